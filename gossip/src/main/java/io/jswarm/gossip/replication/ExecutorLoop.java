package io.jswarm.gossip.replication;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The production {@link TaskLoop}: one daemon thread, created on the first task (a constructor starts nothing). */
final class ExecutorLoop implements TaskLoop {
    private final ScheduledThreadPoolExecutor executor;
    private volatile Thread thread;

    ExecutorLoop(String threadName) {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            thread = t;
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
    }

    @Override
    public void execute(Runnable task) {
        executor.execute(task);
    }

    @Override
    public void scheduleWithFixedDelay(Runnable task, Duration initialDelay, Duration delay) {
        executor.scheduleWithFixedDelay(task, initialDelay.toNanos(), delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public <T> T call(Callable<T> task) throws Exception {
        if (Thread.currentThread() == thread) {
            return task.call();
        }
        return executor.submit(task).get(); // the task's own failure comes as ExecutionException
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
