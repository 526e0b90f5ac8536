package io.jswarm.cli.cluster;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.jswarm.agent.DaemonAnswered;
import io.jswarm.agent.net.ManagerUnreachable;
import io.jswarm.proto.cluster.ControlGrpc;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** The CLI's connection to the local daemon's control socket; turns failures into Docker-style one-liners. */
public final class DaemonClient implements AutoCloseable {
    /** A failure to show the user as one line, with the process exit code. */
    public static final class Failure extends RuntimeException {
        public Failure(String message) {
            super(message, null, false, false);
        }
    }

    private final DaemonHost host;
    private final EventLoopGroup group;
    private final ManagedChannel channel;
    private final io.grpc.Channel shared;

    public DaemonClient(DaemonHost host) {
        this.host = host;
        this.group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(host.socket().toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext()
                // gRPC sets TCP keepalive by default; a Unix socket has none, and Netty would warn on every call.
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                // `network ls` is one answer with every network (the daemon relays the manager's, not paged).
                .maxInboundMessageSize(64 * 1024 * 1024).build();
        this.shared = null;
    }

    /**
     * A client on a channel someone else owns (the daemon's in-process channel, for the commands it runs for the
     * thin client); {@link #close} leaves the channel open.
     */
    public DaemonClient(DaemonHost host, io.grpc.Channel shared) {
        this.host = host;
        this.group = null;
        this.channel = null;
        this.shared = shared;
    }

    /** Calls the daemon; {@code timeout} bounds the whole call (joins wait on a remote manager). */
    public <T> T call(Duration timeout, Function<ControlGrpc.ControlBlockingStub, T> rpc) {
        try {
            return callWithStatus(timeout, rpc);
        } catch (StatusRuntimeException e) {
            throw new Failure(message(e.getStatus(), e.getTrailers(), host, java.nio.file.Files.exists(host.socket())));
        }
    }

    /** As {@link #call(Duration, Function)}, but a failure stays the gRPC status (callers that map codes). */
    public <T> T callWithStatus(Duration timeout, Function<ControlGrpc.ControlBlockingStub, T> rpc) {
        return rpc.apply(ControlGrpc.newBlockingStub(shared != null ? shared : channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    public <T> T call(Function<ControlGrpc.ControlBlockingStub, T> rpc) {
        return call(Duration.ofSeconds(15), rpc);
    }

    /**
     * The deadline of a call the daemon answers only after asking the manager (network attach, connect,
     * create, ...). The daemon bounds those waits itself ({@code --manager-timeout}, at most
     * {@link io.jswarm.agent.DaemonConfig#MAX_MANAGER_TIMEOUT}; an attach may wait twice: the first view, then
     * the call), so this only catches a daemon that hangs, and never cuts short an answer it is still allowed
     * to give.
     */
    public static final Duration MANAGER_CALL_TIMEOUT = Duration.ofMinutes(2);

    /** A call the daemon may answer only after the manager did: {@link #MANAGER_CALL_TIMEOUT}. */
    public <T> T callViaManager(Function<ControlGrpc.ControlBlockingStub, T> rpc) {
        return call(MANAGER_CALL_TIMEOUT, rpc);
    }

    /** The line to print for a failed call without trailers (a status this CLI made up, or an older daemon's). */
    static String message(Status status, DaemonHost host, boolean socketExists) {
        return message(status, null, host, socketExists);
    }

    /**
     * The line to print for a failed call. "Cannot connect" only when the daemon did not answer: an error the
     * daemon sent carries {@link DaemonAnswered#KEY} (older daemons: judged by the text, as before), and one
     * saying that a worker's manager is unreachable carries {@link ManagerUnreachable#MANAGERS}.
     */
    static String message(Status status, Metadata trailers, DaemonHost host, boolean socketExists) {
        String desc = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
        if (trailers != null && trailers.containsKey(ManagerUnreachable.MANAGERS)) {
            return "Error: " + desc;
        }
        boolean answered = trailers != null && trailers.containsKey(DaemonAnswered.KEY);
        if (!answered && status.getCode() == Status.Code.UNAVAILABLE && (!socketExists || status.getDescription() == null
                || status.getDescription().contains("connect") || status.getDescription().contains("io exception"))) {
            return "Cannot connect to the jswarm daemon at " + host + ". Is the jswarm daemon running?";
        }
        return "Error response from daemon: " + desc;
    }

    @Override
    public void close() {
        if (shared == null) {
            channel.shutdownNow();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }
}
