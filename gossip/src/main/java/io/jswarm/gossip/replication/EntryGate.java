package io.jswarm.gossip.replication;

import io.jswarm.gossip.table.EndpointTable;
import io.jswarm.gossip.table.TableEvent;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The door every received entry passes before it is merged: versions from the future are refused (finding 2:
 * one relayed 2^63-1 made a hijack permanent and overflowed the owner's clock), then the {@link EntryCheck} for
 * every entry the table would take (a copy of a held entry, or an older one, is a no-op for the merge and is
 * not checked: the signature checks are the replicator's main cost, and most received entries are copies).
 * Refusals are counted and logged sampled: at most one line per {@link #LOG_EVERY}, with the count since the
 * last line, so a flood of forgeries cannot flood the log. Confined to the replicator thread.
 */
final class EntryGate {
    private static final Logger LOG = LoggerFactory.getLogger(EntryGate.class);
    /**
     * How far ahead of this node's clock a version may be. Lamport clocks start at wall-clock millis and tick
     * once per event, so an honest owner is ahead only by clock skew plus its events beyond one per
     * millisecond: an hour is generous for both and still leaves 2^63 far out of reach.
     */
    static final long MAX_AHEAD = Duration.ofHours(1).toMillis();
    static final Duration LOG_EVERY = Duration.ofSeconds(10);

    private final EntryCheck check;
    private final EntryCheck.Directory directory;
    private final InstantSource clock;
    private final AtomicLong refused = new AtomicLong();
    private long unlogged;
    private Instant lastLog = Instant.MIN;

    EntryGate(EntryCheck check, EntryCheck.Directory directory, InstantSource clock) {
        this.check = check;
        this.directory = directory;
        this.clock = clock;
    }

    long refused() {
        return refused.get();
    }

    /** The events of a message that may enter {@code t}, in order; the others are counted as refused. */
    List<TableEvent> admit(String from, EndpointTable t, List<TableEvent> events) {
        var out = new ArrayList<TableEvent>(events.size());
        for (TableEvent e : events) {
            Optional<String> why = refusal(from, t, e);
            if (why.isEmpty()) {
                out.add(e);
            } else {
                refuse(from, t.networkId(), e, why.get());
            }
        }
        return out;
    }

    /** The reason {@code e} may not enter {@code t}, if any. */
    Optional<String> refusal(String from, EndpointTable t, TableEvent e) {
        long now = Math.max(t.lamportTime(), clock.millis());
        long limit = now > Long.MAX_VALUE - MAX_AHEAD ? Long.MAX_VALUE : now + MAX_AHEAD; // never overflows
        if (e.version().lamport() > limit) {
            return Optional.of("version " + e.version().lamport() + " is beyond the clock bound " + limit);
        }
        if (!t.takes(e)) {
            // A copy of what the table holds, or older: merging it changes nothing (and its lamport is at most
            // the stored one's, already witnessed), so there is nothing to believe and nothing to verify. This
            // is most of every anti-entropy page and every relayed copy of a direct event.
            return Optional.empty();
        }
        return check.refusal(t.networkId(), e, from, directory);
    }

    private void refuse(String from, String networkId, TableEvent e, String why) {
        refused.incrementAndGet();
        unlogged++;
        Instant now = clock.instant();
        if (lastLog.plus(LOG_EVERY).isBefore(now) || lastLog.equals(Instant.MIN)) {
            LOG.warn("table entries refused count={} last: from={} network={} endpoint={} owner={} reason=\"{}\"",
                    unlogged, from, networkId, e.endpointId(), e.version().owner(), why);
            unlogged = 0;
            lastLog = now;
        }
    }
}
