package io.jswarm.gossip.table;

/**
 * A Lamport clock. Not thread-safe on purpose: the table that owns it is confined to one thread.
 */
public final class LamportClock {

    private long time;

    public LamportClock() {
        this(0);
    }

    public LamportClock(long start) {
        if (start < 0) {
            throw new IllegalArgumentException("start must be >= 0: " + start);
        }
        this.time = start;
    }

    /** The time of a new local event. */
    public long tick() {
        // Receivers refuse versions far ahead of their clocks, so this never nears the end; if it did, fail
        // loudly rather than wrap to a negative version.
        time = Math.addExact(time, 1);
        return time;
    }

    /** Moves past a time seen on a remote event, so the next local event is newer than everything seen. */
    public void witness(long remote) {
        if (remote > time) {
            time = remote;
        }
    }

    public long time() {
        return time;
    }
}
