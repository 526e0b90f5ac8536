package io.jswarm.gossip.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.gossip.wire.MetadataCodecs;
import io.jswarm.gossip.wire.WireCodec;
import io.jswarm.proto.table.TableMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Gossip TLS follows certificate renewal: the transport's handshakes, in both directions, present whatever
 * the node's {@link IdentityKeyManager} holds at that moment, so a node renewed before its first certificate
 * expired keeps talking to its peers after that expiry (issue 8: the contexts used to be built once from
 * the first identity, and peers refused it once it expired).
 */
class TlsRenewalTest {
    private final CertificateAuthority ca =
            CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final NioEventLoopGroup group = new NioEventLoopGroup(1);

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void aNewHandshakePresentsTheRenewedCertificate() throws Exception {
        NodeIdentity first = ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
        var keys = new IdentityKeyManager(first);
        Endpoint a = start(keys, "127.0.0.21");
        SslContext peer = new TlsContexts(new IdentityKeyManager(ca.issue(Identifiers.newId(), Role.WORKER,
                Duration.ofDays(1))), id -> false).client;

        assertEquals(first.certificate(), serverCertificate(peer, a.transport), "before the renewal");
        NodeIdentity renewed = ca.issue(first.nodeId(), Role.WORKER, Duration.ofDays(1));
        keys.update(renewed);
        assertEquals(renewed.certificate(), serverCertificate(peer, a.transport), "the next handshake after it");
    }

    @Test
    void aRenewedNodeKeepsGossipingPastItsFirstCertificatesExpiry() throws Exception {
        NodeIdentity shortLived = ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofSeconds(5));
        var keysA = new IdentityKeyManager(shortLived);
        NodeIdentity b = ca.issue(Identifiers.newId(), Role.MANAGER, Duration.ofDays(1));
        Endpoint a = start(keysA, "127.0.0.22");
        Endpoint bEnd = start(new IdentityKeyManager(b), "127.0.0.23");

        // Connections in both directions made with the first certificate.
        assertDelivered(a, bEnd, shortLived.nodeId());
        assertDelivered(bEnd, a, b.nodeId());

        keysA.update(ca.issue(shortLived.nodeId(), Role.WORKER, Duration.ofDays(1)));
        awaitPast(shortLived.expiresAt());
        // Control: the first certificate is now refused, so what follows needs the renewed one.
        SslContext stale = new TlsContexts(new IdentityKeyManager(shortLived), id -> false).client;
        assertTrue(refused(stale, bEnd.transport), "an expired certificate is refused");

        // Fresh connections: A dials B (A's client side) and B dials A (A's server side).
        a.transport.disconnect(b.nodeId());
        bEnd.transport.disconnect(shortLived.nodeId());
        assertDelivered(a, bEnd, shortLived.nodeId());
        assertDelivered(bEnd, a, b.nodeId());
    }

    private record Endpoint(TlsTransport transport, BlockingQueue<String> senders) {
    }

    private Endpoint start(IdentityKeyManager keys, String ip) {
        var t = new TlsTransport(keys, new InetSocketAddress(InetAddress.ofLiteral(ip), 0), id -> false, 1 << 20,
                Duration.ofSeconds(2), new WireCodec(), new SimpleMeterRegistry());
        BlockingQueue<String> senders = new LinkedBlockingQueue<>();
        t.tableHandler((peer, m) -> senders.add(peer));
        t.start().block();
        cleanup.add(() -> t.stop().block());
        return new Endpoint(t, senders);
    }

    /**
     * Sends until one message arrives (a send right after a disconnect may still pick the closing channel),
     * within a generous deadline; the receiver names the sender from the TLS certificate it verified.
     */
    private static void assertDelivered(Endpoint from, Endpoint to, String fromNode) throws InterruptedException {
        to.senders.clear();
        var message = WireCodec.tableMessage(TableMessage.newBuilder().setNetworkId("n1").build());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String got = null;
        while (got == null && System.nanoTime() < deadline) {
            from.transport.send(to.transport.address(), message).onErrorResume(e -> reactor.core.publisher.Mono.empty())
                    .block(Duration.ofSeconds(5));
            got = to.senders.poll(200, TimeUnit.MILLISECONDS);
        }
        assertEquals(fromNode, got, "a table message from " + fromNode + " reached " + to.transport.address());
    }

    private static void awaitPast(Instant notAfter) throws InterruptedException {
        // X.509 times have second precision and PKIX accepts the notAfter second itself.
        Instant past = notAfter.plusSeconds(1);
        while (Instant.now().isBefore(past)) {
            Thread.sleep(Math.max(1, Duration.between(Instant.now(), past).toMillis()));
        }
    }

    private Channel connect(SslContext ctx, TlsTransport target) throws InterruptedException {
        var address = MetadataCodecs.parseAddress(target.address());
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline().addLast(ctx.newHandler(c.alloc()));
                    }
                }).connect(address).sync().channel();
        cleanup.add(() -> ch.close().sync());
        return ch;
    }

    /**
     * Whether the peer refuses {@code ctx}'s certificate. In TLS 1.3 the client's side of the handshake may
     * finish before the server has judged the client certificate; the refusal is the server closing.
     */
    private boolean refused(SslContext ctx, TlsTransport target) throws InterruptedException {
        Channel ch = connect(ctx, target);
        return ch.closeFuture().await(5, TimeUnit.SECONDS);
    }

    private X509Certificate serverCertificate(SslContext ctx, TlsTransport target) throws Exception {
        Channel ch = connect(ctx, target);
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        assertTrue(ssl.handshakeFuture().await(5, TimeUnit.SECONDS) && ssl.handshakeFuture().isSuccess(),
                "handshake with " + target.address());
        return (X509Certificate) ssl.engine().getSession().getPeerCertificates()[0];
    }
}
