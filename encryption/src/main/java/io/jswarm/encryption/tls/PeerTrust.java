package io.jswarm.encryption.tls;

import io.jswarm.encryption.NodeIdentity;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.function.Predicate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Decides, inside the TLS handshake and for both directions, whether a peer may talk to us: its chain must
 * end at the cluster root (PKIX, nothing else is trusted; an expired certificate is refused), its subject O
 * must be our cluster id, and its CN (node id) must not be revoked. Refusing in the trust manager aborts the
 * handshake with an alert, so a refused peer never gets to send an application frame.
 *
 * <p>Built once per endpoint: the cluster root and id never change with a certificate renewal (only the
 * leaf does, on the {@link IdentityKeyManager} side), and the revocation predicate is evaluated live.
 */
public final class PeerTrust extends ChainTrustManager {
    private final X509ExtendedTrustManager pkix;
    private final String clusterId;
    private final Predicate<String> revoked;

    /**
     * @param identity any identity of this node: only its cluster root and cluster id are used, which a
     *                 renewal never changes
     * @param revoked  true for node ids that were removed from the cluster; evaluated at every handshake
     */
    public PeerTrust(NodeIdentity identity, Predicate<String> revoked) {
        this.clusterId = identity.clusterId();
        this.revoked = Objects.requireNonNull(revoked, "revoked");
        this.pkix = pkix(identity.root());
    }

    /**
     * The JDK's PKIX trust manager trusting {@code root} alone: the one chain check every jswarm TLS endpoint
     * makes. Its engine-aware methods also verify the server's name when the engine asks for it (the manager
     * API's clients name {@code swarm-manager}); gossip identifies peers by CN instead.
     */
    public static X509ExtendedTrustManager pkix(X509Certificate root) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("cluster-root", root);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            return (X509ExtendedTrustManager) tmf.getTrustManagers()[0];
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build the cluster trust manager", e);
        }
    }

    /** The node id of an already verified peer certificate. */
    public static String nodeIdOf(X509Certificate cert) throws CertificateException {
        return rdn(cert, "CN");
    }

    private void authorize(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("no peer certificate");
        }
        authorize(chain[0]);
    }

    /**
     * The cluster and revocation checks alone, for a certificate whose chain was verified earlier. Needed
     * again after every handshake because a resumed TLS session (PSK) skips the trust manager: without this
     * a node revoked after its first connection could come back by resuming.
     */
    public void authorize(X509Certificate leaf) throws CertificateException {
        String o = rdn(leaf, "O");
        if (!clusterId.equals(o)) {
            throw new CertificateException("peer belongs to another cluster");
        }
        String cn = rdn(leaf, "CN");
        if (revoked.test(cn)) {
            throw new CertificateException("peer node " + cn + " has been removed from the cluster");
        }
    }

    private static String rdn(X509Certificate cert, String type) throws CertificateException {
        try {
            String value = null;
            for (Rdn r : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (r.getType().equalsIgnoreCase(type)) {
                    if (value != null) {
                        throw new CertificateException("several " + type + " in peer subject");
                    }
                    value = r.getValue().toString();
                }
            }
            if (value == null) {
                throw new CertificateException("no " + type + " in peer subject");
            }
            return value;
        } catch (InvalidNameException e) {
            throw new CertificateException("unparseable peer subject", e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkClientTrusted(chain, authType);
        authorize(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
        authorize(chain);
    }





    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }
}
