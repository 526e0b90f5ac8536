package io.jswarm.gossip.transport;

import io.jswarm.encryption.NodeIdentity;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.util.function.Predicate;
import javax.net.ssl.SSLException;

/** Netty TLS 1.3 contexts for both ends of a gossip connection, from the node's identity. */
final class TlsContexts {
    private static final String[] PROTOCOLS = {"TLSv1.3"};

    final SslContext server;
    final SslContext client;
    final PeerTrust trust;

    TlsContexts(NodeIdentity identity, Predicate<String> revoked) {
        trust = new PeerTrust(identity, revoked);
        try {
            // The JDK provider is enough for gossip volumes and keeps netty-tcnative off the classpath.
            server = SslContextBuilder.forServer(identity.privateKey(), identity.certificate(), identity.root())
                    .sslProvider(SslProvider.JDK).protocols(PROTOCOLS).clientAuth(ClientAuth.REQUIRE)
                    .trustManager(trust).build();
            client = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols(PROTOCOLS)
                    .keyManager(identity.privateKey(), identity.certificate(), identity.root())
                    .trustManager(trust).build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build gossip TLS contexts", e);
        }
    }
}
