package io.jswarm.vxlan.netlink;

import io.jswarm.vxlan.Netns;
import java.io.IOException;
import java.util.Objects;

/**
 * Runs a short action inside a network namespace, for callers outside this package that must create a socket
 * there (a socket stays in the namespace it was created in, whichever thread uses it later). The action runs on
 * a throw-away platform thread that {@code setns}es in and back (see {@code Namespaces}); the caller's thread
 * never changes namespace. Keep actions short and free of thread creation: a thread started inside would stay
 * in the foreign namespace.
 */
public final class NetnsCalls {

    /** An action that may fail with an {@link IOException}. */
    @FunctionalInterface
    public interface IoCallable<T> {
        T call() throws IOException;
    }

    private NetnsCalls() {
    }

    /** Runs {@code action} inside {@code ns}; for {@link Netns.Current} directly on the calling thread. */
    public static <T> T inside(Netns ns, IoCallable<T> action) throws IOException {
        Objects.requireNonNull(action, "action");
        return switch (Objects.requireNonNull(ns, "ns")) {
            case Netns.Current c -> action.call();
            case Netns.AtPath p -> Namespaces.callIn(p.path(), action::call);
        };
    }
}
