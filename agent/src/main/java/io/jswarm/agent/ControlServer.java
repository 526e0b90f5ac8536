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
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
        Path parent = socket.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) {
            // A directory we create is owner-only, which closes the moment between bind and chmod below.
            Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        if (Files.exists(socket)) {
            if (answers(socket)) {
                throw new IOException("another jswarm daemon is listening on " + socket);
            }
            Files.delete(socket);
        }
        group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(group).workerEventLoopGroup(group)
                .withChildOption(ChannelOption.SO_KEEPALIVE, null) // no TCP keepalive on a Unix socket
                .addService(service).build().start();
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    }

    private static boolean answers(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
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
