package io.jswarm.gossip.transport;

import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.encryption.tls.PeerTrust;
import io.jswarm.encryption.tls.TlsProtocols;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.util.function.Predicate;
import javax.net.ssl.SSLException;

/**
 * Netty TLS 1.3 contexts for both ends of a gossip connection: a thin adapter over the node's renewable
 * {@link IdentityKeyManager} (so every handshake, in both directions, presents the current certificate; the
 * contexts are never rebuilt) and {@link PeerTrust} (cluster root, cluster id, revocation).
 */
final class TlsContexts {
    final SslContext server;
    final SslContext client;
    final PeerTrust trust;

    TlsContexts(IdentityKeyManager keys, Predicate<String> revoked) {
        trust = new PeerTrust(keys.identity(), revoked);
        try {
            // The JDK provider is enough for gossip volumes and keeps netty-tcnative off the classpath.
            server = SslContextBuilder.forServer(keys).sslProvider(SslProvider.JDK).protocols(TlsProtocols.enabled())
                    .clientAuth(ClientAuth.REQUIRE).trustManager(trust).build();
            client = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols(TlsProtocols.enabled())
                    .keyManager(keys).trustManager(trust).build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build gossip TLS contexts", e);
        }
    }
}
