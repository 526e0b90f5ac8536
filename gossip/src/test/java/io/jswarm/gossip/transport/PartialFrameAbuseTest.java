package io.jswarm.gossip.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.gossip.wire.WireCodec;
import io.jswarm.proto.table.TableMessage;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, finding 7, over real TLS on loopback: a member (its own valid certificate) opens 50 connections to
 * the gossip port and sends each the first 2 MiB of a frame minus a few bytes, then holds them. Before: every
 * connection stayed open holding its partial frame (~100 MiB of a 128 MiB daemon heap). Now the shared budget
 * closes those beyond it at once and the partial-frame deadline closes the rest; the port keeps serving.
 */
class PartialFrameAbuseTest {
    static final int MAX_FRAME = 2 * 1024 * 1024; // the daemon's
    private final CertificateAuthority ca =
            CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
    private final List<TlsTransport> started = new ArrayList<>();
    private final NioEventLoopGroup attackerLoop = new NioEventLoopGroup(1);

    @AfterEach
    void stop() {
        started.forEach(t -> t.stop().block());
        attackerLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    @Test
    void fiftyHeldPartialFramesAreDroppedAndThePortKeepsServing() throws Exception {
        var registry = new SimpleMeterRegistry();
        TlsTransport victim = start(worker(), "127.0.0.51", registry);
        BlockingQueue<String> tables = new LinkedBlockingQueue<>();
        victim.tableHandler((peer, m) -> tables.add(peer));
        NodeIdentity attacker = worker();
        var attackerTls = new TlsContexts(new IdentityKeyManager(attacker), x -> false);
        InetSocketAddress target = (InetSocketAddress) io.jswarm.gossip.wire.MetadataCodecs.parseAddress(victim.address());

        AtomicLong maxPending = new AtomicLong();
        Gauge pendingGauge = registry.find("jswarm.gossip.pending.bytes").gauge(); // null on the code before the fix
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                if (pendingGauge != null) {
                    maxPending.accumulateAndGet((long) pendingGauge.value(), Math::max);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        List<Channel> held = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Channel ch = connect(attackerTls, target);
            ByteBuf partial = Unpooled.buffer(MAX_FRAME);
            partial.writeInt(MAX_FRAME - 8); // a frame that would be accepted, never finished
            partial.writeZero(MAX_FRAME - 1000);
            ch.writeAndFlush(partial);
            held.add(ch);
        }
        long t0 = System.nanoTime();

        // A legitimate member is still served meanwhile.
        NodeIdentity peer = worker();
        TlsTransport honest = start(peer, "127.0.0.52", new SimpleMeterRegistry());
        honest.sendTo(victimId, victim.address(), WireCodec.tableMessage(TableMessage.newBuilder().setNetworkId("n1").build()))
                .block(Duration.ofSeconds(10));
        assertEquals(peer.nodeId(), tables.poll(10, TimeUnit.SECONDS), "an honest member's message during the attack");

        Duration deadline = TransportLimits.defaults().frameTimeout().plusSeconds(5);
        for (Channel ch : held) {
            long left = deadline.toNanos() - (System.nanoTime() - t0);
            assertTrue(ch.closeFuture().await(Math.max(1, left), TimeUnit.NANOSECONDS),
                    "a held partial frame still open after " + deadline.toSeconds() + " s");
        }
        sampler.interrupt();
        sampler.join();
        if (pendingGauge != null) {
            long budget = TransportLimits.defaults().maxPendingBytes();
            assertTrue(maxPending.get() <= budget + (1 << 20), "pending bytes peaked at " + maxPending.get());
            assertEquals(0.0, pendingGauge.value(), "nothing held once the connections are gone");
        }
    }

    @Test
    void connectionsBeyondTheUnverifiedCapFromOneSourceAreClosedAtOnce() throws Exception {
        TlsTransport victim = start(worker(), "127.0.0.53", new SimpleMeterRegistry());
        InetSocketAddress target = (InetSocketAddress) io.jswarm.gossip.wire.MetadataCodecs.parseAddress(victim.address());
        List<java.nio.channels.SocketChannel> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                var s = java.nio.channels.SocketChannel.open();
                s.bind(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.54"), 0));
                s.connect(target);
                s.configureBlocking(false);
                idle.add(s);
            }
            Thread.sleep(1000); // less than the 5 s handshake timeout below: only the cap can have closed them
            int open = 0;
            var buf = java.nio.ByteBuffer.allocate(16);
            for (var s : idle) {
                try {
                    if (s.read(buf.clear()) >= 0) {
                        open++;
                    }
                } catch (java.io.IOException reset) {
                    // closed by the server
                }
            }
            assertTrue(open <= TransportLimits.defaults().caps().maxUnverifiedPerSource(), open + " of 200 idle connections held");
        } finally {
            for (var s : idle) {
                s.close();
            }
        }
    }

    private String victimId;

    private NodeIdentity worker() {
        return ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
    }

    private Channel connect(TlsContexts tls, InetSocketAddress target) throws Exception {
        Channel ch = new Bootstrap().group(attackerLoop).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline().addLast(tls.client.newHandler(c.alloc()));
                    }
                }).connect(target).sync().channel();
        assertNotNull(ch.pipeline().get(SslHandler.class).handshakeFuture().get(10, TimeUnit.SECONDS));
        return ch;
    }

    private TlsTransport start(NodeIdentity id, String ip, SimpleMeterRegistry registry) {
        var t = new TlsTransport(new IdentityKeyManager(id), new InetSocketAddress(InetAddress.ofLiteral(ip), 0),
                x -> false, MAX_FRAME, Duration.ofSeconds(5), new WireCodec(), registry);
        t.start().block();
        started.add(t);
        if (victimId == null) {
            victimId = id.nodeId();
        }
        return t;
    }
}
