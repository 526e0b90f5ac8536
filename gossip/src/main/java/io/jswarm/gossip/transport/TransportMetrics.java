package io.jswarm.gossip.transport;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** Gossip transport meters: messages and bytes (frame payload plus 4-byte length prefix) each way; handshakes. */
final class TransportMetrics {
    final Counter messagesIn;
    final Counter messagesOut;
    final Counter bytesIn;
    final Counter bytesOut;
    final Counter handshakeFailures;
    /** Completed handshakes (TCP connect or accept to verified peer), by side: the CPU-heavy part of a connection. */
    final Timer handshakesClient;
    final Timer handshakesServer;
    final Counter framesRejected;

    TransportMetrics(MeterRegistry r) {
        messagesIn = Counter.builder("jswarm.gossip.messages").tag("direction", "in")
                .description("Gossip transport messages received").register(r);
        messagesOut = Counter.builder("jswarm.gossip.messages").tag("direction", "out")
                .description("Gossip transport messages sent").register(r);
        bytesIn = Counter.builder("jswarm.gossip.bytes").tag("direction", "in").baseUnit("bytes")
                .description("Gossip transport bytes received (before TLS)").register(r);
        bytesOut = Counter.builder("jswarm.gossip.bytes").tag("direction", "out").baseUnit("bytes")
                .description("Gossip transport bytes sent (before TLS)").register(r);
        handshakeFailures = Counter.builder("jswarm.gossip.handshake.failures")
                .description("Gossip TLS handshakes that failed or were refused").register(r);
        handshakesClient = Timer.builder("jswarm.gossip.handshakes").tag("side", "client")
                .description("Gossip TLS handshakes completed and verified, from TCP connect").register(r);
        handshakesServer = Timer.builder("jswarm.gossip.handshakes").tag("side", "server")
                .description("Gossip TLS handshakes completed and verified, from TCP accept").register(r);
        framesRejected = Counter.builder("jswarm.gossip.frames.rejected")
                .description("Frames refused by the protobuf codec; the connection is closed").register(r);
    }
}
