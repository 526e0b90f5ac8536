package io.jswarm.manager.ports;

import io.jswarm.encryption.ports.ConnectionCaps;
import java.time.Duration;
import java.util.Objects;

/**
 * What the manager API (2377) lets a client hold. Defaults are sized for clusters of hundreds of nodes (each
 * member keeps one or two connections: the session and, on workers, the network API's channel) and for the
 * real messages (a {@code JoinRequest} is under 1 KiB: token ~90 bytes, CSR ~300, addresses and hostname).
 *
 * @param handshakeTimeout    TLS handshake deadline from accept. Default 5 s (gRPC's own is 120 s).
 * @param caps                connections: unverified (no member certificate yet: handshaking, or a join)
 *                            256 in total, 16 per source address; verified (members) 4096 in total, 64 per
 *                            source (hosts behind one NAT). What an outsider can hold is the unverified part.
 * @param unverifiedLifetime  a connection that has not presented a member certificate is closed this long after
 *                            accept: a join is one call on a fresh channel. Default 30 s.
 * @param maxUnverifiedBytes  bytes a connection may send before it has presented a member certificate (TLS
 *                            handshake plus one Join: ~3 KiB); more closes it. Default 64 KiB.
 * @param maxJoinBytes        largest accepted {@code JoinRequest}. Default 4 KiB.
 * @param maxMessageBytes     largest message a member may send (gRPC's per-message limit, checked from the
 *                            length prefix before the body is buffered). Default 1 MiB: network create with
 *                            labels is the largest request; views flow the other way and are not limited here.
 * @param flowControlWindow   HTTP/2 receive window per stream and connection, which bounds what a client can
 *                            push before the manager reads it. Default 1 MiB (fixed: no auto-tuning upwards).
 * @param maxCallsPerConnection concurrent calls on one connection. Default 128.
 * @param joinBurst           Join attempts a source address may make at once. Default 10.
 * @param joinRefill          one more attempt per source address every this long. Default 1 s.
 */
public record ApiLimits(Duration handshakeTimeout, ConnectionCaps.Limits caps, Duration unverifiedLifetime,
                        int maxUnverifiedBytes, int maxJoinBytes, int maxMessageBytes, int flowControlWindow,
                        int maxCallsPerConnection, int joinBurst, Duration joinRefill) {
    public ApiLimits {
        positive(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(caps, "caps");
        positive(unverifiedLifetime, "unverifiedLifetime");
        if (unverifiedLifetime.compareTo(handshakeTimeout) < 0) {
            throw new IllegalArgumentException("unverifiedLifetime must be >= handshakeTimeout");
        }
        range(maxUnverifiedBytes, 4 * 1024, 16 * 1024 * 1024, "maxUnverifiedBytes");
        range(maxJoinBytes, 1024, maxUnverifiedBytes, "maxJoinBytes");
        range(maxMessageBytes, 64 * 1024, 64 * 1024 * 1024, "maxMessageBytes");
        range(flowControlWindow, 64 * 1024, 64 * 1024 * 1024, "flowControlWindow");
        range(maxCallsPerConnection, 1, 100_000, "maxCallsPerConnection");
        range(joinBurst, 1, 100_000, "joinBurst");
        positive(joinRefill, "joinRefill");
    }

    public static ApiLimits defaults() {
        return new ApiLimits(Duration.ofSeconds(5), new ConnectionCaps.Limits(256, 16, 4096, 64), Duration.ofSeconds(30),
                64 * 1024, 4 * 1024, 1024 * 1024, 1024 * 1024, 128, 10, Duration.ofSeconds(1));
    }

    public ApiLimits withCaps(ConnectionCaps.Limits c) {
        return new ApiLimits(handshakeTimeout, c, unverifiedLifetime, maxUnverifiedBytes, maxJoinBytes,
                maxMessageBytes, flowControlWindow, maxCallsPerConnection, joinBurst, joinRefill);
    }

    public ApiLimits withJoinRate(int burst, Duration refill) {
        return new ApiLimits(handshakeTimeout, caps, unverifiedLifetime, maxUnverifiedBytes, maxJoinBytes,
                maxMessageBytes, flowControlWindow, maxCallsPerConnection, burst, refill);
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }

    private static void range(int v, int min, int max, String name) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + " must be in " + min + ".." + max + ", got " + v);
        }
    }
}
