package io.jswarm.gossip.replication;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;

/**
 * A hand-stepped world for replicators: one virtual clock and one run queue shared by every node's
 * {@link TaskLoop}, all on the test thread. Nothing runs until the test says so: {@link #runUntilIdle()}
 * runs queued tasks (and whatever they queue, e.g. messages delivered by {@link InMemoryNetwork}) in
 * order; {@link #advance} moves the clock, firing each timer at its due time. So a test can say "after two
 * anti-entropy rounds" or "once the grace has passed" exactly, and assert what did or did not happen.
 */
final class ManualLoops implements InstantSource {
    /** More tasks than this in one run means the nodes keep messaging each other without end. */
    private static final int MAX_TASKS_PER_RUN = 1_000_000;

    private record Task(Lane lane, Runnable body) {
    }

    private static final class Timer {
        final Lane lane;
        final Runnable body;
        final Duration delay;
        final long seq;
        Instant due;

        Timer(Lane lane, Runnable body, Instant due, Duration delay, long seq) {
            this.lane = lane;
            this.body = body;
            this.due = due;
            this.delay = delay;
            this.seq = seq;
        }
    }

    private Instant now;
    private long seq;
    private final ArrayDeque<Task> ready = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>(
            Comparator.comparing((Timer t) -> t.due).thenComparingLong(t -> t.seq));

    ManualLoops(Instant start) {
        this.now = start;
    }

    @Override
    public Instant instant() {
        return now;
    }

    /** A new node's loop on this world. */
    TaskLoop loop() {
        return new Lane();
    }

    /** Runs queued tasks, and those they queue, until none is left; the clock stands still. */
    void runUntilIdle() {
        for (int n = 0; !ready.isEmpty(); n++) {
            if (n == MAX_TASKS_PER_RUN) {
                fail("still busy after " + MAX_TASKS_PER_RUN + " tasks: the replicators never go quiet");
            }
            Task t = ready.poll();
            if (!t.lane().closed) {
                t.body().run();
            }
        }
    }

    /** Moves the clock by {@code d}, firing every timer due on the way at its due time (each run to idle). */
    void advance(Duration d) {
        Instant end = now.plus(d);
        runUntilIdle();
        while (!timers.isEmpty() && !timers.peek().due.isAfter(end)) {
            Timer t = timers.poll();
            if (t.lane.closed) {
                continue;
            }
            now = t.due;
            t.body.run();
            runUntilIdle();
            t.due = now.plus(t.delay); // fixed delay: tasks take no virtual time
            timers.add(t);
        }
        now = end;
    }

    /**
     * Advances in {@code step}s until the condition holds; fails after {@code max}. Returns the virtual time
     * it took (deterministic: the clock and the nodes' random sources are fixed).
     */
    Duration advanceUntil(Duration max, Duration step, BooleanSupplier condition, String what) {
        runUntilIdle();
        Duration waited = Duration.ZERO;
        while (!condition.getAsBoolean()) {
            if (waited.compareTo(max) >= 0) {
                fail("not within " + max + " of virtual time: " + what);
            }
            advance(step);
            waited = waited.plus(step);
        }
        return waited;
    }

    private final class Lane implements TaskLoop {
        boolean closed;

        @Override
        public void execute(Runnable task) {
            if (closed) {
                throw new RejectedExecutionException("closed");
            }
            ready.add(new Task(this, task));
        }

        @Override
        public void scheduleWithFixedDelay(Runnable task, Duration initialDelay, Duration delay) {
            if (closed) {
                throw new RejectedExecutionException("closed");
            }
            timers.add(new Timer(this, task, now.plus(initialDelay), delay, seq++));
        }

        /** The test thread is every node's loop: runs inline (call {@link #runUntilIdle()} first to catch up). */
        @Override
        public <T> T call(Callable<T> task) throws Exception {
            if (closed) {
                throw new RejectedExecutionException("closed");
            }
            return task.call();
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
