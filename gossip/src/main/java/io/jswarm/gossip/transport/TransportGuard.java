package io.jswarm.gossip.transport;

import io.jswarm.encryption.ports.ConnectionCaps;
import io.jswarm.encryption.ports.SampledLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gossip port's bounds ({@link TransportLimits}): admission of accepted connections by {@link ConnectionCaps},
 * their move to the verified class once {@link PeerGate} has named the peer, and the shared budget of bytes
 * held in incomplete frames ({@link BoundedFrameDecoder}). Refusals are logged sampled and counted in
 * {@code jswarm.gossip.connections.refused{reason}}. Thread-safe.
 */
final class TransportGuard {
    private static final Logger LOG = LoggerFactory.getLogger(TransportGuard.class);
    static final Duration LOG_WINDOW = Duration.ofSeconds(10);
    private static final AttributeKey<ConnectionCaps.Ticket> TICKET = AttributeKey.valueOf("jswarm.gossip.ticket");

    private final TransportLimits limits;
    private final ConnectionCaps caps;
    private final AtomicLong pending = new AtomicLong();
    private final SampledLog refusals = new SampledLog(LOG::warn, "gossip connection closed", LOG_WINDOW, System::nanoTime);
    private final MeterRegistry registry;
    private final Map<String, Counter> refused = new ConcurrentHashMap<>();

    TransportGuard(TransportLimits limits, MeterRegistry registry) {
        this.limits = limits;
        this.caps = new ConnectionCaps(limits.caps());
        this.registry = registry;
        Gauge.builder("jswarm.gossip.pending.bytes", pending, AtomicLong::get).baseUnit("bytes")
                .description("Bytes of incomplete gossip frames held, all connections").register(registry);
        Gauge.builder("jswarm.gossip.connections", caps, ConnectionCaps::unverified).tag("state", "unverified")
                .description("Accepted gossip connections by state").register(registry);
        Gauge.builder("jswarm.gossip.connections", caps, ConnectionCaps::verified).tag("state", "verified")
                .description("Accepted gossip connections by state").register(registry);
    }

    TransportLimits limits() {
        return limits;
    }

    /**
     * For a connection just accepted, on the accept thread and before it is registered with the I/O loop:
     * true if admitted, else it has been reset (no pipeline or event loop exists yet to close it through).
     */
    boolean admitAtAccept(Channel ch) {
        if (!(ch.remoteAddress() instanceof InetSocketAddress remote)) {
            return true;
        }
        var admission = caps.admit(remote.getAddress());
        if (admission.refusal().isPresent()) {
            refuse(ch, admission.refusal().get().label());
            try {
                ch.config().setOption(ChannelOption.SO_LINGER, 0); // RST: nothing kept in TIME_WAIT for it
            } catch (RuntimeException ignored) {
                // closing matters, the linger does not
            }
            ch.unsafe().closeForcibly();
            return false;
        }
        ConnectionCaps.Ticket ticket = admission.ticket().get();
        ch.attr(TICKET).set(ticket);
        ch.closeFuture().addListener(f -> ticket.close());
        return true;
    }

    /** The peer of {@code ch} is verified: moves an accepted connection to the verified caps, or closes it. */
    void verified(Channel ch) {
        ConnectionCaps.Ticket ticket = ch.attr(TICKET).get();
        if (ticket == null) {
            return; // our own outbound connection
        }
        ticket.verify().ifPresent(r -> {
            refuse(ch, r.label());
            ch.close();
        });
    }

    /** Adds {@code delta} bytes held in incomplete frames; false if the budget is exceeded (the caller closes). */
    boolean hold(long delta) {
        long now = pending.addAndGet(delta);
        return delta <= 0 || now <= limits.maxPendingBytes();
    }

    long pendingBytes() {
        return pending.get();
    }

    void refuse(Channel ch, String reason) {
        String source = ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress()
                : String.valueOf(ch.remoteAddress());
        refused.computeIfAbsent(reason, r -> Counter.builder("jswarm.gossip.connections.refused").tag("reason", r)
                .description("Gossip connections refused or closed by a limit").register(registry)).increment();
        refusals.record(reason, source);
    }

    void flush() {
        refusals.flush();
    }
}
