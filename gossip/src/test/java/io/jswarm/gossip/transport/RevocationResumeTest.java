package io.jswarm.gossip.transport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.gossip.wire.WireCodec;
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
import java.time.Duration;
import java.time.InstantSource;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A client that caches TLS sessions (as a hostile revoked node would) connects, gets revoked, and reconnects
 * offering its old session: the server must still refuse it, because a resumed session skips the trust
 * manager and only the post-handshake check in {@link PeerGate} sees the revocation.
 */
class RevocationResumeTest {
    @Test
    void revokedPeerCannotResumeAnOldSession() throws Exception {
        var ca = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
        NodeIdentity server = ca.issue(Identifiers.newId(), Role.MANAGER, Duration.ofDays(1));
        NodeIdentity client = ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
        Set<String> revoked = ConcurrentHashMap.newKeySet();
        var registry = new SimpleMeterRegistry();
        var transport = new TlsTransport(new io.jswarm.encryption.tls.IdentityKeyManager(server), new InetSocketAddress(InetAddress.ofLiteral("127.0.0.5"), 0),
                revoked::contains, 1 << 20, Duration.ofSeconds(2), new WireCodec(), registry);
        transport.start().block();
        var group = new NioEventLoopGroup(1);
        try {
            SslContext caching = new TlsContexts(new io.jswarm.encryption.tls.IdentityKeyManager(client), id -> false).client;
            var target = (InetSocketAddress) io.jswarm.gossip.wire.MetadataCodecs.parseAddress(transport.address());
            Channel first = connect(group, caching, target);
            assertTrue(first.pipeline().get(SslHandler.class).handshakeFuture().await(5, TimeUnit.SECONDS));
            assertTrue(first.pipeline().get(SslHandler.class).handshakeFuture().isSuccess(), "member accepted");
            first.close().sync();

            revoked.add(client.nodeId());
            double before = registry.get("jswarm.gossip.handshake.failures").counter().count();
            Channel second = connect(group, caching, target);
            assertTrue(second.closeFuture().await(5, TimeUnit.SECONDS), "server must close the revoked peer");
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (registry.get("jswarm.gossip.handshake.failures").counter().count() <= before
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(registry.get("jswarm.gossip.handshake.failures").counter().count() > before);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            transport.stop().block();
        }
    }

    private static Channel connect(NioEventLoopGroup group, SslContext ctx, InetSocketAddress target) throws Exception {
        return new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                // With host and port the JDK client caches the session and offers it again (resumption).
                ch.pipeline().addLast(ctx.newHandler(ch.alloc(), target.getHostString(), target.getPort()));
            }
        }).connect(target).sync().channel();
    }
}
