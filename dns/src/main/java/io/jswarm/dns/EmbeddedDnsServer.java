package io.jswarm.dns;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.TcpDnsQueryDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The embedded DNS resolver of one sandbox, on UDP and TCP at one address. Names of endpoints on the
 * sandbox's networks resolve from the {@link NameLookup} (A and PTR, TTL from {@link DnsConfig}); others are
 * forwarded to the host's resolvers without blocking, or get NXDOMAIN when there are none. A UDP answer longer
 * than 512 bytes (or the client's EDNS0 size) is cut and has TC set; the client then asks again over TCP
 * (length-prefixed messages, RFC 1035 4.2.2) and gets all of it.
 *
 * <p>Binding: {@link #start(InetSocketAddress)} binds in the caller's network namespace (tests use 127.0.0.1:0).
 * Inside a sandbox the agent opens and binds both sockets in the sandbox's netns itself (127.0.0.11:53, as
 * Docker) and hands them to {@link #start(DatagramChannel, ServerSocketChannel)}; a socket stays in the
 * namespace it was created in, so the event loop may run anywhere. The forwarding socket is opened by
 * {@code start} in the caller's namespace, i.e. the host's, where the upstreams are reachable.
 *
 * <p>All channels of a server live on one shared {@link EventLoop} (many servers share it), so the forwarder's
 * state needs no locks. The constructor starts nothing; {@link #close} is idempotent, closes this server's
 * sockets and connections and leaves the loop running.
 */
public final class EmbeddedDnsServer implements AutoCloseable {
    /** Queued answers beyond this for a TCP client that does not read close its connection. */
    private static final WriteBufferWaterMark TCP_BUFFER = new WriteBufferWaterMark(64 * 1024, 128 * 1024);

    private final NameLookup lookup;
    private final DnsConfig config;
    private final EventLoop loop;
    private final Forwarder forwarder;
    private final ChannelGroup connections;
    private Channel udp;
    private Channel tcp;
    private Channel client;
    private boolean started;
    private boolean closed;

    public EmbeddedDnsServer(NameLookup lookup, DnsConfig config, EventLoop loop) {
        this.lookup = Objects.requireNonNull(lookup, "lookup");
        this.config = Objects.requireNonNull(config, "config");
        this.loop = Objects.requireNonNull(loop, "loop");
        this.forwarder = new Forwarder(config);
        this.connections = new DefaultChannelGroup("jswarm-dns-tcp", loop);
    }

    /** Binds new UDP and TCP sockets at {@code bind} (TCP on the port UDP got) and starts serving. */
    public synchronized void start(InetSocketAddress bind) throws IOException, InterruptedException {
        Objects.requireNonNull(bind, "bind");
        checkStartable();
        SandboxHost.Listeners l = SandboxHost.bind(bind);
        start(l.udp(), l.tcp());
    }

    /**
     * Serves on already opened and bound JDK channels (e.g. bound inside a sandbox's netns); takes ownership
     * of both, also when it fails.
     */
    public synchronized void start(DatagramChannel boundUdp, ServerSocketChannel boundTcp) throws InterruptedException {
        Objects.requireNonNull(boundUdp, "boundUdp");
        Objects.requireNonNull(boundTcp, "boundTcp");
        try {
            checkStartable();
            if (boundUdp.socket().getLocalSocketAddress() == null || boundTcp.socket().getLocalSocketAddress() == null) {
                throw new IllegalArgumentException("channels are not bound");
            }
        } catch (RuntimeException e) {
            closeQuietly(boundUdp);
            closeQuietly(boundTcp);
            throw e;
        }
        started = true;
        try {
            if (!config.upstreams().isEmpty()) {
                var c = new NioDatagramChannel(); // opened here, so in the caller's (the daemon's) namespace
                c.config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(Wire.UDP_MAX));
                c.pipeline().addLast(forwarder);
                client = c;
                loop.register(c).sync();
                c.bind(new InetSocketAddress(0)).sync();
                forwarder.client(c);
            }
            var u = new NioDatagramChannel(boundUdp);
            udp = u;
            u.config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(Wire.UDP_MAX));
            u.pipeline().addLast(new DatagramDnsQueryDecoder(), new QueryHandler(lookup, config, forwarder));
            loop.register(u).sync();
            var t = new NioServerSocketChannel(boundTcp);
            tcp = t;
            new ServerBootstrap().group(loop).channelFactory(() -> t)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, TCP_BUFFER)
                    .childHandler(tcpInitializer()).register().sync();
        } catch (RuntimeException | InterruptedException e) {
            if (udp == null) {
                closeQuietly(boundUdp);
            }
            if (tcp == null) {
                closeQuietly(boundTcp);
            }
            close();
            throw e;
        }
    }

    private ChannelInitializer<SocketChannel> tcpInitializer() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (connections.size() >= config.tcp().maxConnections()) {
                    ch.close(); // the oldest clients keep being served; a flood only costs accepted-and-closed
                    return;
                }
                connections.add(ch);
                ch.pipeline().addLast(new ReadTimeoutHandler(config.tcp().idle().toMillis(), TimeUnit.MILLISECONDS),
                        new LengthFieldPrepender(2), new TcpDnsQueryDecoder(),
                        new QueryHandler(lookup, config, forwarder));
            }
        };
    }

    private void checkStartable() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (started) {
            throw new IllegalStateException("already started");
        }
    }

    private static void closeQuietly(java.nio.channels.Channel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }

    /** The UDP address queries are served on. */
    public synchronized InetSocketAddress localAddress() {
        if (udp == null) {
            throw new IllegalStateException("not started");
        }
        return (InetSocketAddress) udp.localAddress();
    }

    /** The TCP address queries are served on. */
    public synchronized InetSocketAddress tcpAddress() {
        if (tcp == null) {
            throw new IllegalStateException("not started");
        }
        return (InetSocketAddress) tcp.localAddress();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!started) {
            return;
        }
        if (!loop.isShuttingDown()) {
            loop.submit(forwarder::failAll).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        for (Channel ch : new Channel[] {udp, tcp, client}) {
            if (ch != null && ch.isRegistered()) {
                ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            } else if (ch != null) {
                ch.unsafe().closeForcibly(); // never registered (a failed start): just the socket
            }
        }
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        // A JDK channel registered with a selector keeps its socket until the selector drops the cancelled key,
        // which happens at the loop's next select, not at close. The loop is shared and keeps running, so wait
        // for that select: a task scheduled now runs only after the loop has selected again. Then the port is
        // really free (stop, then serve again in the same sandbox, binds 127.0.0.11:53 at once).
        if (!loop.isShuttingDown()) {
            loop.schedule(() -> { }, 1, TimeUnit.MILLISECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
