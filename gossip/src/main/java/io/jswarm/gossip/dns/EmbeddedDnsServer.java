package io.jswarm.gossip.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsQueryEncoder;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The embedded DNS resolver of one sandbox (UDP only; TCP is not implemented, so a truncated upstream answer
 * reaches the client with TC set and its TCP retry fails). Names of endpoints on the sandbox's networks
 * resolve from the {@link NameLookup} (A and PTR, TTL from {@link DnsConfig}); others are forwarded to the
 * host's resolvers without blocking, or get NXDOMAIN when there are none.
 *
 * <p>Binding: {@link #start(InetSocketAddress)} binds in the caller's network namespace (tests use 127.0.0.1:0).
 * Inside a sandbox the agent opens and binds the socket in the sandbox's netns itself (127.0.0.11:53, as
 * Docker) and hands it to {@link #start(java.nio.channels.DatagramChannel)}; a socket stays in the namespace it
 * was created in, so the event loop may run anywhere. The forwarding socket is opened by {@code start} in the
 * caller's namespace, i.e. the host's, where the upstreams are reachable.
 *
 * <p>The constructor starts nothing; {@code start} creates one event-loop thread; {@link #close} is idempotent
 * and closes both sockets and the thread.
 */
public final class EmbeddedDnsServer implements AutoCloseable {

    private final NameLookup lookup;
    private final DnsConfig config;
    private EventLoopGroup group;
    private Channel server;
    private Channel client;
    private Forwarder forwarder;
    private boolean closed;

    public EmbeddedDnsServer(NameLookup lookup, DnsConfig config) {
        this.lookup = Objects.requireNonNull(lookup, "lookup");
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Binds a new UDP socket at {@code bind} and starts serving. */
    public synchronized void start(InetSocketAddress bind) throws InterruptedException {
        Objects.requireNonNull(bind, "bind");
        begin();
        try {
            server = bootstrap(new NioDatagramChannel(), serverInitializer()).bind(bind).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
    }

    /** Serves on an already opened and bound JDK channel (e.g. bound inside a sandbox's netns); takes ownership. */
    public synchronized void start(java.nio.channels.DatagramChannel bound) throws InterruptedException {
        Objects.requireNonNull(bound, "bound");
        begin();
        try {
            if (bound.socket().getLocalSocketAddress() == null) {
                throw new IllegalArgumentException("channel is not bound");
            }
            var ch = new NioDatagramChannel(bound);
            ch.pipeline().addLast(serverInitializer());
            ch.config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(4096));
            group.register(ch).sync();
            server = ch;
        } catch (RuntimeException | InterruptedException e) {
            close();
            if (server == null) {
                closeQuietly(bound); // ownership was taken: never leak the caller's socket
            }
            throw e;
        }
    }

    private static void closeQuietly(java.nio.channels.DatagramChannel ch) {
        try {
            ch.close();
        } catch (java.io.IOException ignored) {
            // nothing more to release
        }
    }

    /** The address queries are served on. */
    public synchronized InetSocketAddress localAddress() {
        if (server == null) {
            throw new IllegalStateException("not started");
        }
        return (InetSocketAddress) server.localAddress();
    }

    private void begin() throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (group != null) {
            throw new IllegalStateException("already started");
        }
        // One thread serves both channels, so the forwarder's state needs no locks.
        group = new NioEventLoopGroup(1, r -> {
            var t = new Thread(r, "jswarm-dns");
            t.setDaemon(true);
            return t;
        });
        forwarder = new Forwarder(config);
        if (!config.upstreams().isEmpty()) {
            try {
                client = bootstrap(new NioDatagramChannel(), new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryEncoder(), forwarder);
                    }
                }).bind(0).sync().channel();
            } catch (RuntimeException | InterruptedException e) {
                close();
                throw e;
            }
            forwarder.client(client);
        }
    }

    private Bootstrap bootstrap(NioDatagramChannel channel, ChannelInitializer<DatagramChannel> init) {
        return new Bootstrap().group(group).channelFactory(() -> channel)
                // Upstream answers may exceed 2 KiB (Netty's default) with EDNS0; 4 KiB is the common limit.
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(4096))
                .handler(init);
    }

    private ChannelInitializer<DatagramChannel> serverInitializer() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(DatagramChannel ch) {
                ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                        new QueryHandler(lookup, config, forwarder));
            }
        };
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (group == null) {
            return;
        }
        Forwarder f = forwarder;
        if (!group.isShuttingDown()) {
            group.submit(f::failAll).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        for (Channel ch : new Channel[] {server, client}) {
            if (ch != null) {
                ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
