package io.jswarm.agent.net;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.vxlan.HostPort;
import java.time.Duration;
import java.util.List;

/**
 * The failure a worker's daemon reports when its manager cannot be reached (refused, silent, no route). It
 * travels to the CLI as UNAVAILABLE with the {@link #MANAGERS} trailer, so the CLI can tell "the daemon answered:
 * its manager is unreachable" from "the local daemon cannot be reached", which are both UNAVAILABLE.
 */
public final class ManagerUnreachable {
    /** Trailer naming the manager addresses that could not be reached (comma-separated). */
    public static final Metadata.Key<String> MANAGERS =
            Metadata.Key.of("jswarm-manager-unreachable", Metadata.ASCII_STRING_MARSHALLER);

    private ManagerUnreachable() {
    }

    /** No manager answered the connection (every address refused or failed), {@code last} being the last failure. */
    static StatusRuntimeException refused(List<String> managers, Status last) {
        return status(managers, reason(last));
    }

    /** The call got no answer within {@code deadline}: the manager (or the path to it) is silent. */
    static StatusRuntimeException silent(List<String> managers, Duration deadline) {
        return status(managers, "no answer within " + deadline.toMillis() + " ms");
    }

    static StatusRuntimeException status(List<String> managers, String reason) {
        List<String> addrs = managers.stream().map(ManagerUnreachable::normalised).toList();
        String who = addrs.isEmpty() ? "the swarm manager is"
                : addrs.size() == 1 ? "the swarm manager at " + addrs.getFirst() + " is"
                : "the swarm managers at " + String.join(", ", addrs) + " are";
        Metadata trailers = new Metadata();
        trailers.put(MANAGERS, String.join(",", addrs));
        return Status.UNAVAILABLE.withDescription(who + " unreachable (" + reason + ")").asRuntimeException(trailers);
    }

    /** The most specific one-line reason: the transport's exception (e.g. "Connection refused") over gRPC's text. */
    private static String reason(Status last) {
        if (last == null) {
            return "no manager address known";
        }
        Throwable root = last.getCause();
        while (root != null && root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root != null && root.getMessage() != null ? root.getMessage()
                : last.getDescription() != null ? last.getDescription() : last.getCode().toString();
        // Netty's native errors read "finishConnect(..) failed with error(-111): Connection refused": keep the errno text.
        return text.strip().replaceAll("\\s+", " ")
                .replaceFirst("^\\w+\\(\\.\\.\\) failed(?: with error\\(-?\\d+\\))?: ", "");
    }

    private static String normalised(String addr) {
        try {
            return HostPort.parse(addr, 2377).toString();
        } catch (IllegalArgumentException e) {
            return addr;
        }
    }
}
