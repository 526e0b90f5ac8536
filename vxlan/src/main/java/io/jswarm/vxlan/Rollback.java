package io.jswarm.vxlan;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Undo steps of a multi-step kernel change, run in reverse order when a later step fails. */
final class Rollback {
    private static final Logger LOG = LoggerFactory.getLogger(Rollback.class);

    @FunctionalInterface
    interface Step {
        void undo() throws IOException;
    }

    private final Deque<Step> steps = new ArrayDeque<>();
    private final Deque<String> names = new ArrayDeque<>();

    void push(String what, Step undo) {
        names.push(what);
        steps.push(undo);
    }

    /**
     * Undoes everything pushed, newest first. Every step is attempted; failures are attached to
     * {@code cause} as suppressed exceptions, because the original failure is what the caller must see.
     */
    void run(Throwable cause) {
        while (!steps.isEmpty()) {
            Step step = steps.pop();
            String what = names.pop();
            try {
                step.undo();
                LOG.info("rolled back step=\"{}\" cause=\"{}\"", what, cause.getMessage());
            } catch (IOException | RuntimeException e) {
                LOG.error("rollback failed step=\"{}\" error=\"{}\"", what, e.getMessage());
                cause.addSuppressed(e);
            }
        }
    }
}
