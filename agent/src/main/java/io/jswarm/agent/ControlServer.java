package io.jswarm.agent;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.jswarm.engine.UnixSocketFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's local API: gRPC over a Unix socket, owner-only (0600), like docker.sock. A socket file left
 * by a crashed daemon is replaced; one that still answers means another daemon owns it, and start fails.
 */
final class ControlServer implements AutoCloseable {
    private final Path socket;
    private final BindableService service;
    private EventLoopGroup group;
    private Server server;

    ControlServer(Path socket, BindableService service) {
        this.socket = socket;
        this.service = service;
    }

    void start() throws IOException {
        if (!Epoll.isAvailable()) {
            throw new IOException("Unix socket support (epoll) is unavailable: " + Epoll.unavailabilityCause());
        }
        UnixSocketFile.prepare(socket, "jswarm daemon");
        group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(group).workerEventLoopGroup(group)
                .withChildOption(ChannelOption.SO_KEEPALIVE, null) // no TCP keepalive on a Unix socket
                .addService(service).build().start();
        UnixSocketFile.restrict(socket);
    }

    /** Stops a gRPC server (null: none), waiting up to 5 s for its calls; shared with {@link EngineEndpoint}. */
    static void stop(Server server) {
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop(server);
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // best effort: a stale socket is replaced at the next start
        }
    }
}
