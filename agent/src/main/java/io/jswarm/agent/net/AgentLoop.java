package io.jswarm.agent.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns this node's network state (flannel's and felix's event loop): the saved sandboxes,
 * the kernel's networks, endpoints and peers, the table mirror and the sandboxes' names are read and written
 * only here. Everyone else sends it work: operator commands wait for a future, callbacks (views, table changes,
 * membership) only enqueue and return. Work on the loop may block on the kernel (that is its job) but never
 * on the manager: manager round-trips run on the caller's thread between two loop steps.
 *
 * <p>Constructed idle; {@link #start()} makes the thread. Work posted before start or after close is dropped
 * (close: with a log line), never run on the caller's thread.
 */
final class AgentLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentLoop.class);

    private volatile ScheduledExecutorService executor;
    private volatile Thread thread;

    void start() {
        if (executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jswarm-net");
            t.setDaemon(true);
            thread = t;
            return t;
        });
    }

    boolean onLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on the loop later; failures are logged (a callback's work has no one to answer). */
    void post(String what, Runnable task) {
        try {
            execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warn("{} failed error={}", what, e.toString());
                }
            });
        } catch (IllegalStateException notRunning) {
            LOG.debug("{} dropped: {}", what, notRunning.getMessage());
        }
    }

    /** Runs {@code task} on the loop; the future completes with its result or failure. */
    <T> CompletableFuture<T> submit(Callable<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        execute(() -> {
            try {
                f.complete(task.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /**
     * Runs {@code task} on the loop and waits for it (inline when already on the loop). The task's own
     * exceptions come back unwrapped: an {@link IOException} as itself, runtime exceptions as themselves.
     */
    <T> T call(Callable<T> task) throws IOException {
        if (onLoop()) {
            try {
                return task.call();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            return submit(task).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the network agent", e);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        }
    }

    void schedule(String what, Duration delay, Runnable task) {
        ScheduledExecutorService ex = executor;
        if (ex == null) {
            return;
        }
        try {
            ex.schedule(() -> post(what, task), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // stopping
        }
    }

    void every(String what, Duration first, Duration period, Runnable task) {
        ScheduledExecutorService ex = executor;
        if (ex == null) {
            return;
        }
        try {
            ex.scheduleWithFixedDelay(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warn("{} failed error={}", what, e.toString());
                }
            }, first.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // stopping
        }
    }

    private void execute(Runnable r) {
        ScheduledExecutorService ex = executor;
        if (ex == null) {
            throw new IllegalStateException("the network agent is not running");
        }
        try {
            ex.execute(r);
        } catch (RejectedExecutionException closed) {
            throw new IllegalStateException("the network agent is stopping", closed);
        }
    }

    private static IOException unwrap(Throwable cause) {
        Throwable c = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof IOException io) {
            return io;
        }
        if (c instanceof UncheckedIOException u) {
            return u.getCause();
        }
        if (c instanceof RuntimeException r) {
            throw r;
        }
        if (c instanceof Error err) {
            throw err;
        }
        return new IOException(c);
    }

    /** Stops the loop; queued work is dropped, work already running finishes (waited for up to 5 s). */
    @Override
    public void close() {
        ScheduledExecutorService ex = executor;
        if (ex == null) {
            return;
        }
        ex.shutdownNow();
        if (!onLoop()) {
            try {
                ex.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
