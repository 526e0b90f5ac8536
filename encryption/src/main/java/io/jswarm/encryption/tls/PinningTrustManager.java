package io.jswarm.encryption.tls;

import io.jswarm.encryption.JoinToken;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.X509TrustManager;

/**
 * Trust for the one connection a node makes before it has a certificate: the join. The manager's chain
 * must end in a root CA whose SHA-256 digest is the one in the join token, and the manager's certificate
 * must chain to that root. A manager with any other CA (a fake one, another cluster's) fails the
 * handshake, before the token's secret is ever sent.
 */
public final class PinningTrustManager implements X509TrustManager {
    private final JoinToken token;
    private final AtomicReference<X509Certificate> pinned = new AtomicReference<>();
    private final AtomicReference<String> failure = new AtomicReference<>();

    public PinningTrustManager(JoinToken token) {
        this.token = token;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            pinned.set(verify(token, chain));
        } catch (CertificateException e) {
            failure.set(e.getMessage());
            throw e;
        }
    }

    /** The root of {@code chain} if it matches the token's digest and the chain verifies to it. */
    public static X509Certificate verify(JoinToken token, X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length < 2) {
            throw new CertificateException("the manager did not present its root CA certificate");
        }
        X509Certificate root = chain[chain.length - 1];
        if (!token.pins(root)) {
            throw new CertificateException("remote CA does not match fingerprint. Expected: " + token.caDigest());
        }
        try {
            root.verify(root.getPublicKey()); // a root signs itself
            var params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
            params.setRevocationEnabled(false); // revocation is by node id in the manager state, not CRLs
            var path = CertificateFactory.getInstance("X.509")
                    .generateCertPath(Arrays.asList(chain).subList(0, chain.length - 1));
            CertPathValidator.getInstance("PKIX").validate(path, params);
        } catch (GeneralSecurityException e) {
            throw new CertificateException("the manager's certificate does not chain to the pinned root CA: "
                    + e.getMessage(), e);
        }
        return root;
    }

    /** The root CA seen and accepted during the handshake. */
    public Optional<X509Certificate> pinned() {
        return Optional.ofNullable(pinned.get());
    }

    /** Why the handshake was refused, if it was. */
    public Optional<String> failure() {
        return Optional.ofNullable(failure.get());
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a joining node does not accept connections");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
