package io.jswarm.gossip.transport;

import io.jswarm.encryption.tls.PeerTrust;
import io.micrometer.core.instrument.Timer;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits right after the {@link SslHandler}: records the verified peer node id on the channel once the
 * handshake succeeds, and drops anything that arrives before that (defence in depth; {@link PeerTrust} has
 * already refused bad peers inside the handshake).
 */
final class PeerGate extends ChannelInboundHandlerAdapter {
    static final AttributeKey<String> PEER = AttributeKey.valueOf("jswarm.gossip.peer");
    private static final Logger LOG = LoggerFactory.getLogger(PeerGate.class);

    private final PeerTrust trust;
    private final TransportMetrics metrics;
    private final Consumer<ChannelHandlerContext> onVerified;
    private final Timer handshakes;
    private long activeNanos;

    PeerGate(PeerTrust trust, TransportMetrics metrics, boolean client, Consumer<ChannelHandlerContext> onVerified) {
        this.trust = trust;
        this.metrics = metrics;
        this.handshakes = client ? metrics.handshakesClient : metrics.handshakesServer;
        this.onVerified = onVerified;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        activeNanos = System.nanoTime();
        super.channelActive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent e) {
            if (e.isSuccess()) {
                var session = ctx.pipeline().get(SslHandler.class).engine().getSession();
                X509Certificate leaf = (X509Certificate) session.getPeerCertificates()[0];
                try {
                    trust.authorize(leaf); // again: a resumed session did not pass the trust manager
                } catch (CertificateException refused) {
                    metrics.handshakeFailures.increment();
                    LOG.warn("gossip peer refused after handshake remote={} cause={}", ctx.channel().remoteAddress(),
                            refused.getMessage());
                    ctx.close();
                    return;
                }
                handshakes.record(System.nanoTime() - activeNanos, TimeUnit.NANOSECONDS);
                String node = PeerTrust.nodeIdOf(leaf);
                ctx.channel().attr(PEER).set(node);
                LOG.debug("gossip peer verified node={} remote={}", node, ctx.channel().remoteAddress());
                onVerified.accept(ctx);
            } else {
                metrics.handshakeFailures.increment();
                // A probe connect (no TLS at all) also ends here; only the cause is logged, never key material.
                LOG.debug("gossip handshake failed remote={} cause={}", ctx.channel().remoteAddress(),
                        e.cause().toString());
                ctx.close();
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ctx.channel().attr(PEER).get() == null) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
