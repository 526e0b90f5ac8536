package io.jswarm.manager.ports;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.jswarm.encryption.ports.ConnectionCaps;
import io.jswarm.encryption.ports.SampledLog;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager API port's resource bounds, wired into gRPC's Netty server: gRPC exposes no hook per accepted
 * connection, so the server channel is ours ({@link GuardedServerChannel}, which needs our own event-loop
 * groups) and each admitted connection gets an {@link ApiConnectionGuard} in front of gRPC's handlers, where
 * it sees the raw bytes. {@link #configure} creates the groups; {@link #close} stops them after the server.
 */
public final class ApiPort implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiPort.class);
    static final Duration LOG_WINDOW = Duration.ofSeconds(10);

    private final ApiLimits limits;
    private final ConnectionCaps caps;
    private final SampledLog refusals;
    private NioEventLoopGroup boss;
    private NioEventLoopGroup workers;

    public ApiPort(ApiLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.caps = new ConnectionCaps(limits.caps());
        this.refusals = new SampledLog(LOG::warn, "api connection closed", LOG_WINDOW, System::nanoTime);
    }

    /** Applies every limit to {@code b} and gives it this port's channel and event loops. */
    public synchronized NettyServerBuilder configure(NettyServerBuilder b) {
        boss = new NioEventLoopGroup(1, new DefaultThreadFactory("jswarm-api-accept", true));
        workers = new NioEventLoopGroup(0, new DefaultThreadFactory("jswarm-api-io", true));
        long window = LOG_WINDOW.toMillis();
        boss.scheduleAtFixedRate(refusals::flush, window, window, TimeUnit.MILLISECONDS);
        return b.bossEventLoopGroup(boss).workerEventLoopGroup(workers)
                .channelFactory(() -> new GuardedServerChannel(this))
                .handshakeTimeout(limits.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .maxInboundMessageSize(limits.maxMessageBytes())
                .flowControlWindow(limits.flowControlWindow())
                .maxConcurrentCallsPerConnection(limits.maxCallsPerConnection());
    }

    public ApiLimits limits() {
        return limits;
    }

    /** Connections without a member certificate (handshaking, joining) currently held. */
    public int unverified() {
        return caps.unverified();
    }

    /** Members' connections currently held. */
    public int verified() {
        return caps.verified();
    }

    /** Called on the accept thread for each new connection; false: it was closed at once. */
    boolean admit(Channel child) {
        if (!(child.remoteAddress() instanceof InetSocketAddress remote)) {
            return true; // not TCP (never on this port)
        }
        var admission = caps.admit(remote.getAddress());
        if (admission.refusal().isPresent()) {
            refused(admission.refusal().get().label(), remote.getAddress().getHostAddress());
            try {
                child.config().setOption(ChannelOption.SO_LINGER, 0); // RST: nothing kept in TIME_WAIT for it
            } catch (RuntimeException ignored) {
                // closing matters, the linger does not
            }
            child.unsafe().closeForcibly();
            return false;
        }
        ConnectionCaps.Ticket ticket = admission.ticket().get();
        child.closeFuture().addListener(f -> ticket.close());
        child.pipeline().addFirst("jswarm-guard", new ApiConnectionGuard(this, ticket));
        return true;
    }

    void refused(String reason, String source) {
        refusals.record(reason, source);
    }

    @Override
    public synchronized void close() {
        for (NioEventLoopGroup g : new NioEventLoopGroup[] {boss, workers}) {
            if (g != null) {
                g.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            }
        }
        refusals.flush();
    }
}
