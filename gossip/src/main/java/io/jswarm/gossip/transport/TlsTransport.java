package io.jswarm.gossip.transport;

import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.gossip.wire.MetadataCodecs;
import io.jswarm.gossip.wire.WireCodec;
import io.jswarm.proto.table.TableMessage;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.scalecube.cluster.transport.api.Message;
import io.scalecube.cluster.transport.api.Transport;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * scalecube {@link Transport} over Netty 4.1 with mutual TLS 1.3 in both directions and protobuf frames.
 * Binds the advertise address (never the wildcard) and dials from it too. A message to an address goes over
 * our outbound connection to it, else over a verified inbound one whose peer named that address ({@link InboundRoutes}),
 * else a new connection: a full mesh of N nodes needs N(N-1)/2 handshakes and sockets, not N(N-1). What
 * arrives is always from the connection's verified certificate. Thread-safe. Two threads: one accepts and
 * admits or resets each inbound connection ({@link GuardedAcceptChannel}), so a flood of connects is refused
 * as fast as it arrives however busy the other, the I/O event loop of every connection, is.
 */
public final class TlsTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(TlsTransport.class);
    /** Set on a channel we close ourselves because nobody wants it any more: its end is no news about the peer. */
    private static final AttributeKey<Boolean> ABANDONED = AttributeKey.valueOf("jswarm.gossip.abandoned");

    private final InetSocketAddress bindAddress;
    private final TlsContexts tls;
    private final WireCodec codec;
    private final TransportMetrics metrics;
    private final int maxFrameLength;
    private final int connectTimeoutMillis;
    private final TransportGuard guard;
    private final Sinks.Many<Message> inbound = Sinks.many().multicast().directBestEffort();
    private final ConcurrentMap<String, CompletableFuture<Channel>> outbound = new ConcurrentHashMap<>();
    /** The outbound connects still waiting for the peer's SYN-ACK (TLS not begun), by target. */
    private final ConcurrentMap<String, CompletableFuture<Channel>> dialing = new ConcurrentHashMap<>();
    private final InboundRoutes inboundRoutes = new InboundRoutes();
    private volatile TransportListener listener = TransportListener.NONE;
    private volatile BiConsumer<String, TableMessage> tableHandler = (peer, m) -> { };
    private volatile InboundFilter inboundFilter = InboundFilter.NONE;
    private volatile boolean stopped;
    private volatile EventLoopGroup acceptGroup;
    private volatile EventLoopGroup group;
    private volatile ChannelGroup channels;
    private volatile Channel server;
    private volatile String address;

    /**
     * @param keys    the node's renewable credential, shared with every other TLS endpoint of the node: each
     *                handshake, in both directions, presents the identity it holds at that moment
     * @param revoked node ids that must be refused, evaluated at every handshake (the daemon updates the
     *                set behind it when nodes are removed)
     */
    public TlsTransport(IdentityKeyManager keys, InetSocketAddress bindAddress, Predicate<String> revoked,
                        int maxFrameLength, Duration connectTimeout, WireCodec codec, MeterRegistry registry) {
        this(keys, bindAddress, revoked, maxFrameLength, connectTimeout, codec, registry, TransportLimits.defaults());
    }

    /** @param limits connection caps, the partial-frame deadline and budget ({@link TransportLimits#defaults}) */
    public TlsTransport(IdentityKeyManager keys, InetSocketAddress bindAddress, Predicate<String> revoked,
                        int maxFrameLength, Duration connectTimeout, WireCodec codec, MeterRegistry registry,
                        TransportLimits limits) {
        this.guard = new TransportGuard(Objects.requireNonNull(limits, "limits"), registry);
        this.codec = Objects.requireNonNull(codec, "codec");
        this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
        this.tls = new TlsContexts(keys, revoked);
        this.metrics = new TransportMetrics(registry);
        this.maxFrameLength = maxFrameLength;
        this.connectTimeoutMillis = Math.toIntExact(connectTimeout.toMillis());
    }

    public void listener(TransportListener l) {
        this.listener = Objects.requireNonNull(l);
    }

    /**
     * Receives every {@link TableMessage} with the node id of the TLS peer certificate of the connection it
     * came on (the only sender identity that is not a claim). Called on the Netty event loop: hand off quickly.
     * These messages never reach scalecube.
     */
    public void tableHandler(BiConsumer<String, TableMessage> handler) {
        this.tableHandler = Objects.requireNonNull(handler);
    }

    /**
     * Sets what checks each scalecube message from the wire against the sender's verified identity before
     * scalecube sees it (the membership layer's {@code ClaimGuard}); table messages and local injections skip it.
     */
    public void inboundFilter(InboundFilter filter) {
        this.inboundFilter = Objects.requireNonNull(filter);
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public Mono<Transport> start() {
        return Mono.fromCallable(() -> {
            acceptGroup = new NioEventLoopGroup(1, new DefaultThreadFactory("jswarm-gossip-accept", true));
            group = new NioEventLoopGroup(1, new DefaultThreadFactory("jswarm-gossip-io", true));
            channels = new DefaultChannelGroup(group.next());
            ServerBootstrap b = new ServerBootstrap().group(acceptGroup, group)
                    .channelFactory(() -> new GuardedAcceptChannel(guard))
                    .option(ChannelOption.SO_REUSEADDR, true)
                    // The verified cap (1024), not somaxconn (4096): it absorbs a burst of connects while the
                    // accept thread is descheduled (a full queue drops every SYN, a peer's too, for 1 s or more).
                    .option(ChannelOption.SO_BACKLOG, guard.limits().caps().maxVerified())
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(initializer(false));
            try {
                server = b.bind(bindAddress).sync().channel();
            } catch (Exception e) {
                acceptGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
                group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
                throw e;
            }
            address = MetadataCodecs.format((InetSocketAddress) server.localAddress());
            long window = TransportGuard.LOG_WINDOW.toMillis();
            acceptGroup.scheduleAtFixedRate(guard::flush, window, window, TimeUnit.MILLISECONDS);
            LOG.info("gossip transport listening address={} tls=TLSv1.3 clientAuth=required", address);
            return this;
        });
    }

    @Override
    public Mono<Void> stop() {
        return Mono.fromRunnable(() -> {
            if (stopped) {
                return;
            }
            stopped = true;
            if (server != null) {
                server.close().syncUninterruptibly();
                acceptGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
                channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            }
            synchronized (inbound) {
                inbound.tryEmitComplete();
            }
            LOG.info("gossip transport stopped address={}", address);
        });
    }

    @Override
    public boolean isStopped() {
        return stopped;
    }

    @Override
    public Mono<Void> send(String target, Message message) {
        return write(target, null, message);
    }

    /**
     * Sends a table message to {@code nodeId} at {@code target}: dropped (failed) unless the connection's
     * verified peer is that node, so a node's table state never reaches another node that now holds its address.
     */
    public Mono<Void> sendTo(String nodeId, String target, Message message) {
        return write(target, Objects.requireNonNull(nodeId, "nodeId"), message);
    }

    private Mono<Void> write(String target, String nodeId, Message message) {
        Objects.requireNonNull(target, "address");
        Objects.requireNonNull(message, "message");
        return Mono.create(sink -> connection(target).whenComplete((ch, err) -> {
            String peer = err == null ? ch.attr(PeerGate.PEER).get() : null;
            if (err == null && nodeId != null && !nodeId.equals(peer)) {
                err = new IllegalStateException("connection to " + target + " is with " + peer + ", not " + nodeId);
            }
            if (err != null) {
                sink.error(err);
                return;
            }
            ch.writeAndFlush(message).addListener(f -> {
                if (f.isSuccess()) {
                    sink.success();
                } else {
                    LOG.debug("gossip send failed to={} cause={}", target, f.cause().toString());
                    sink.error(f.cause());
                }
            });
        }));
    }

    @Override
    public Mono<Message> requestResponse(String target, Message request) {
        String cid = Objects.requireNonNull(request.correlationId(), "correlationId");
        return Mono.create(sink -> {
            var subscription = listen().filter(m -> cid.equals(m.correlationId())).take(1)
                    .subscribe(sink::success, sink::error);
            sink.onDispose(subscription);
            send(target, request).subscribe(null, sink::error);
        });
    }

    @Override
    public Flux<Message> listen() {
        return inbound.asFlux().onBackpressureBuffer();
    }

    /**
     * Hands a message to local listeners as if it had arrived from the network. Used only by jswarm's
     * membership layer to feed its own confirmed-death verdict into scalecube's state machine.
     */
    public void injectLocal(Message message) {
        deliver(message);
    }

    /**
     * Closes every connection with {@code nodeId}, both directions, not reported as a disconnect: after it was
     * revoked, or removed (frames a partition left in TCP backoff must not hold up later sends).
     */
    public void disconnect(String nodeId) {
        if (channels != null) {
            for (Channel ch : channels) {
                if (nodeId.equals(ch.attr(PeerGate.PEER).get())) {
                    ch.attr(ABANDONED).set(Boolean.TRUE);
                    ch.close();
                }
            }
        }
    }

    /**
     * One direct reconnect attempt: a bare TCP connect to {@code target} from the advertise address. Only
     * the kernel's answer matters (accept vs RST), so no TLS; the peer logs a failed handshake at DEBUG.
     */
    public CompletableFuture<ProbeResult> probe(String target, Duration timeout) {
        CompletableFuture<ProbeResult> result = new CompletableFuture<>();
        if (stopped) {
            result.complete(ProbeResult.INCONCLUSIVE);
            return result;
        }
        new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.toIntExact(timeout.toMillis()))
                .handler(new ChannelInboundHandlerAdapter())
                .connect(MetadataCodecs.parseAddress(target), new InetSocketAddress(bindAddress.getAddress(), 0))
                .addListener((ChannelFuture f) -> {
                    if (f.isSuccess()) {
                        f.channel().close();
                        result.complete(ProbeResult.CONNECTED);
                    } else {
                        result.complete(ProbeResult.isRefusal(f.cause()) ? ProbeResult.REFUSED : ProbeResult.INCONCLUSIVE);
                    }
                });
        return result;
    }

    /**
     * Abandons a connect to {@code target} whose SYN is still unanswered (the kernel retries a lost SYN only
     * after 1 s), so the next send dials afresh; established connections and TLS handshakes are kept. Waiting
     * sends fail (best effort); if the abandoned connect still succeeds, its channel is closed, unannounced.
     */
    public void redial(String target) {
        CompletableFuture<Channel> pending = dialing.remove(target);
        if (pending != null && !pending.isDone() && outbound.remove(target, pending)) {
            pending.completeExceptionally(new ConnectException("connect to " + target + " superseded by a redial"));
        }
    }

    /**
     * Closes our cached connection to {@code target} (unannounced) so the next send dials afresh: for a suspect,
     * whose queued frames may sit in TCP retransmission backoff for seconds after a partition heals.
     */
    public void refresh(String target) {
        CompletableFuture<Channel> c = outbound.remove(target);
        if (c == null) {
            return;
        }
        dialing.remove(target, c);
        if (!c.completeExceptionally(new ConnectException("connection to " + target + " refreshed"))
                && !c.isCompletedExceptionally()) {
            Channel ch = c.join();
            ch.attr(ABANDONED).set(Boolean.TRUE);
            ch.close();
        }
    }

    /** Whether our connection to {@code target} is established (TLS done) and open. */
    public boolean isConnected(String target) {
        CompletableFuture<Channel> c = outbound.get(target);
        return c != null && c.isDone() && !c.isCompletedExceptionally() && c.join().isActive();
    }

    private CompletableFuture<Channel> connection(String target) {
        while (true) {
            CompletableFuture<Channel> existing = outbound.get(target);
            if (existing != null && (!existing.isDone()
                    || !existing.isCompletedExceptionally() && existing.join().isActive())) {
                return existing;
            }
            Channel in = inboundRoutes.to(target);
            if (in != null) {
                return CompletableFuture.completedFuture(in);
            }
            CompletableFuture<Channel> created = new CompletableFuture<>();
            boolean installed = existing == null ? outbound.putIfAbsent(target, created) == null
                    : outbound.replace(target, existing, created);
            if (installed) {
                connect(target, created);
                return created;
            }
        }
    }

    private void connect(String target, CompletableFuture<Channel> result) {
        if (stopped) {
            outbound.remove(target, result);
            result.completeExceptionally(new IllegalStateException("transport stopped"));
            return;
        }
        InetSocketAddress remote;
        try {
            remote = MetadataCodecs.parseAddress(target);
        } catch (IllegalArgumentException e) {
            outbound.remove(target, result);
            result.completeExceptionally(e);
            return;
        }
        dialing.put(target, result);
        new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(initializer(true))
                .connect(remote, new InetSocketAddress(bindAddress.getAddress(), 0))
                .addListener((ChannelFuture f) -> {
                    dialing.remove(target, result);
                    if (!f.isSuccess()) {
                        outbound.remove(target, result);
                        result.completeExceptionally(f.cause());
                        if (ProbeResult.isRefusal(f.cause()) && !stopped) {
                            listener.onConnectRefused(target);
                        }
                        return;
                    }
                    Channel ch = f.channel();
                    if (result.isDone()) { // superseded by a redial before the SYN-ACK came
                        ch.attr(ABANDONED).set(Boolean.TRUE);
                        ch.close();
                        return;
                    }
                    ch.closeFuture().addListener(c -> outbound.remove(target, result));
                    ch.pipeline().get(SslHandler.class).handshakeFuture().addListener(h -> {
                        if (h.isSuccess()) {
                            // The promise fires before PeerGate sees the handshake event: complete once it has
                            // named (or refused) the peer, so every sender sees the verified node id.
                            ch.eventLoop().execute(() -> verified(ch, target, result));
                        } else {
                            outbound.remove(target, result);
                            result.completeExceptionally(h.cause());
                        }
                    });
                });
    }

    private void verified(Channel ch, String target, CompletableFuture<Channel> result) {
        if (ch.hasAttr(PeerGate.PEER) && ch.attr(PeerGate.PEER).get() != null) {
            if (!result.complete(ch)) { // superseded by a redial meanwhile
                ch.attr(ABANDONED).set(Boolean.TRUE);
                ch.close();
            }
        } else {
            outbound.remove(target, result);
            result.completeExceptionally(new IllegalStateException("gossip peer at " + target + " refused"));
        }
    }

    private ChannelInitializer<SocketChannel> initializer(boolean client) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                // No peer host/port for the client engine: the JDK caches sessions by host:port, so without
                // them it never offers resumption and every handshake passes the trust manager.
                SslHandler ssl = client ? tls.client.newHandler(ch.alloc()) : tls.server.newHandler(ch.alloc());
                ssl.setHandshakeTimeoutMillis(connectTimeoutMillis);
                ch.pipeline().addLast("tls", ssl)
                        .addLast("gate", new PeerGate(tls.trust, metrics, client, ctx -> {
                            guard.verified(ctx.channel());
                            channels.add(ctx.channel());
                        }))
                        .addLast("frames", new BoundedFrameDecoder(maxFrameLength, guard))
                        .addLast("length", new LengthFieldPrepender(4))
                        .addLast("codec", new FrameCodec(codec, metrics))
                        .addLast("deliver", new Deliver());
            }
        };
    }

    private void deliver(Message m) {
        // Several channels may deliver at once (injectLocal runs on another thread); the sink is not
        // thread-safe for concurrent emitters.
        synchronized (inbound) {
            inbound.tryEmitNext(m);
        }
    }

    /** Hands decoded messages to scalecube and reports unexpected disconnects of verified peers. */
    private final class Deliver extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Message m = (Message) msg;
            if (m.data() instanceof TableMessage table) {
                String peer = ctx.channel().attr(PeerGate.PEER).get(); // set by PeerGate before any read passes
                try {
                    tableHandler.accept(peer, table);
                } catch (RuntimeException e) {
                    LOG.warn("table message handler failed peer={}", peer, e);
                }
                return;
            }
            String peer = ctx.channel().attr(PeerGate.PEER).get();
            Message admitted = inboundFilter.admit(peer, (InetSocketAddress) ctx.channel().remoteAddress(), m);
            if (admitted == null) {
                return; // counted and logged by the filter; the connection stays (one bad claim, not a bad peer)
            }
            inboundRoutes.learn(ctx.channel(), admitted.sender());
            deliver(admitted);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            String peer = ctx.channel().attr(PeerGate.PEER).get();
            if (peer != null && !stopped && ctx.channel().attr(ABANDONED).get() == null) {
                listener.onPeerDisconnected(peer);
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("gossip connection error remote={} peer={} cause={}", ctx.channel().remoteAddress(),
                    ctx.channel().attr(PeerGate.PEER).get(), cause.toString());
            ctx.close();
        }
    }
}
