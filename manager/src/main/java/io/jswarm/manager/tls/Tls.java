package io.jswarm.manager.tls;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.encryption.tls.PeerTrust;
import io.jswarm.encryption.tls.PinningTrustManager;
import io.jswarm.encryption.tls.TlsProtocols;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;

/**
 * gRPC's (shaded Netty) TLS contexts for the manager API: a thin adapter. The key side is always the node's
 * renewable {@link IdentityKeyManager} and the trust side {@link PeerTrust#pkix} (or the join's pin), both
 * from {@code encryption.tls}, as for gossip. TLS 1.3 only, JDK provider. Clients name the server
 * "swarm-manager", a DNS name every manager certificate carries, so hostname verification holds whatever
 * address the manager is reached at.
 */
public final class Tls {
    /** The authority clients ask for; managers' certificates carry it as a subjectAltName. */
    public static final String MANAGER_AUTHORITY = "swarm-manager";

    private Tls() {
    }

    /**
     * The manager's server context: client certificates are optional at the TLS layer (the Join call has
     * none) and verified against the cluster root when present; {@code AuthInterceptor} then requires one
     * for every other call.
     */
    public static SslContext server(IdentityKeyManager keys, X509Certificate root) throws SSLException {
        return GrpcSslContexts.configure(SslContextBuilder.forServer(keys), SslProvider.JDK)
                .trustManager(PeerTrust.pkix(root)).clientAuth(ClientAuth.OPTIONAL).protocols(TlsProtocols.enabled())
                .build();
    }

    /** A member's client context: presents its current certificate, trusts only the cluster root. */
    public static SslContext client(IdentityKeyManager keys, X509Certificate root) throws SSLException {
        return GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
                .keyManager(keys).trustManager(PeerTrust.pkix(root)).protocols(TlsProtocols.enabled()).build();
    }

    /** A joining node's context: no client certificate, the server pinned by {@code trust}. */
    public static SslContext joining(PinningTrustManager trust) throws SSLException {
        return clientTrusting(trust);
    }

    /** A client with no certificate that trusts as {@code trust} says (tests, and the join). */
    public static SslContext clientTrusting(TrustManager trust) throws SSLException {
        return GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
                .trustManager(trust).protocols(TlsProtocols.enabled()).build();
    }
}
