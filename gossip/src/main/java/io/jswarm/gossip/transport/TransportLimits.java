package io.jswarm.gossip.transport;

import io.jswarm.encryption.ports.ConnectionCaps;
import java.time.Duration;
import java.util.Objects;

/**
 * What the gossip port (7946) lets a connection hold. The TLS handshake deadline is the membership's
 * {@code connectTimeout} (LAN 2 s); every peer must present a member certificate, so an outsider only ever
 * holds unverified (handshaking) slots.
 *
 * @param caps            connections: unverified (accepted, handshake not done; also the bare connects of
 *                        death probes) 256 in total and 16 per source address; verified 1024 in total and 64
 *                        per source. A cluster needs one verified connection per peer plus a few transient ones.
 * @param frameTimeout    once part of a frame has arrived, the connection must complete a frame within this,
 *                        else it is closed: a frame is at most {@code maxFrameLength} (2 MiB) and members send
 *                        it in one write. Default 5 s.
 * @param maxPendingBytes bytes of incomplete frames held over all connections together; the connection whose
 *                        bytes would exceed it is closed. Default 32 MiB (a quarter of the daemon's heap):
 *                        real traffic holds a few KiB at a time (table pages are at most 256 KiB).
 */
public record TransportLimits(ConnectionCaps.Limits caps, Duration frameTimeout, long maxPendingBytes) {
    public TransportLimits {
        Objects.requireNonNull(caps, "caps");
        Objects.requireNonNull(frameTimeout, "frameTimeout");
        if (frameTimeout.toMillis() < 100) {
            throw new IllegalArgumentException("frameTimeout must be >= 100 ms, got " + frameTimeout);
        }
        if (maxPendingBytes < 64 * 1024 || maxPendingBytes > 1L << 34) {
            throw new IllegalArgumentException("maxPendingBytes must be in 64 KiB..16 GiB, got " + maxPendingBytes);
        }
    }

    public static TransportLimits defaults() {
        return new TransportLimits(new ConnectionCaps.Limits(256, 16, 1024, 64), Duration.ofSeconds(5), 32L << 20);
    }
}
