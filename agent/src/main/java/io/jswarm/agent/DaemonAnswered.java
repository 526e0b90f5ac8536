package io.jswarm.agent;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Marks every error the control API sends, so the CLI can tell a status the daemon answered with (the daemon
 * runs; e.g. its manager is unreachable) from one its own gRPC client made up because the socket could not be
 * reached. Both can be UNAVAILABLE; only the second means "Is the jswarm daemon running?".
 */
public final class DaemonAnswered {
    /** Present (value {@code "1"}) in the trailers of every error the daemon's control API returns. */
    public static final Metadata.Key<String> KEY = Metadata.Key.of("jswarm-daemon", Metadata.ASCII_STRING_MARSHALLER);

    private DaemonAnswered() {
    }

    /** {@code e} with the marker added to whatever trailers it carries. */
    static StatusRuntimeException mark(StatusRuntimeException e) {
        Metadata trailers = new Metadata();
        Metadata own = e.getTrailers();
        if (own != null) {
            trailers.merge(own);
        }
        trailers.put(KEY, "1");
        return e.getStatus().asRuntimeException(trailers);
    }

    static StatusRuntimeException mark(Status status) {
        return mark(status.asRuntimeException());
    }
}
