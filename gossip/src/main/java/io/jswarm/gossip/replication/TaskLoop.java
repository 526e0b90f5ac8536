package io.jswarm.gossip.replication;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;

/**
 * Where a {@link TableReplicator}'s tasks run, one at a time and in submission order: one daemon thread in
 * production ({@link ExecutorLoop}), a queue stepped by hand in tests, so that replication can be driven
 * round by round with a virtual clock (as memberlist's {@code state_test.go} does) instead of sleeping.
 */
interface TaskLoop {

    /** Queues the task behind those already queued; throws {@link RejectedExecutionException} once closed. */
    void execute(Runnable task);

    /** Runs the task after {@code initialDelay}, then every {@code delay} after each run ends, until closed. */
    void scheduleWithFixedDelay(Runnable task, Duration initialDelay, Duration delay);

    /**
     * Runs the task on the loop and returns its result, waiting behind the queued tasks; runs it inline when
     * called from the loop itself (e.g. from the listener). Throws {@link RejectedExecutionException} once
     * closed, {@link InterruptedException} if interrupted while waiting, anything else the task threw.
     */
    <T> T call(Callable<T> task) throws Exception;

    /** Drops the queued tasks and the timers; later submissions are rejected. */
    void close();
}
