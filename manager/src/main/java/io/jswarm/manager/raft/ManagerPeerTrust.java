package io.jswarm.manager.raft;

import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.encryption.tls.PeerTrust;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.Predicate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import io.jswarm.encryption.tls.ChainTrustManager;

/**
 * Who may speak Raft to this manager, both directions: a certificate of this cluster ({@link PeerTrust}: chain
 * to the root at the injected clock's time, O = cluster, not revoked) whose OU is {@code manager} and whose node the state knows as a
 * manager now. A worker's certificate — any member's, however hostile — gets no Raft connection, so no worker
 * can vote, append or install a snapshot. Names are not checked (peers are identified by certificate, not by
 * the IP they dial), which is why this is an {@link X509ExtendedTrustManager}: the JDK adds no hostname check.
 */
final class ManagerPeerTrust extends ChainTrustManager {
    private final PeerTrust cluster;
    private final X509Certificate root;
    private final java.time.InstantSource clock;
    private final Predicate<String> isManager;

    /**
     * @param clock     the time certificates are checked at: the manager's injected clock (a test's fixed clock
     *                  is then the time its certificates were issued for), the system clock in a daemon
     * @param isManager true for node ids the state holds with role manager; evaluated at every handshake
     */
    ManagerPeerTrust(NodeIdentity identity, java.time.InstantSource clock, Predicate<String> revoked,
                     Predicate<String> isManager) {
        this.cluster = new PeerTrust(identity, revoked);
        this.root = identity.root();
        this.clock = clock;
        this.isManager = isManager;
    }

    /** PKIX to the cluster root at the clock's time, then PeerTrust's cluster and revocation checks, then the role. */
    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("no peer certificate");
        }
        try {
            var path = java.security.cert.CertificateFactory.getInstance("X.509").generateCertPath(
                    java.util.Arrays.stream(chain).filter(c -> !c.equals(root)).toList());
            var params = new java.security.cert.PKIXParameters(java.util.Set.of(new java.security.cert.TrustAnchor(root, null)));
            params.setRevocationEnabled(false); // revocation is the state's removed ids, checked below
            params.setDate(java.util.Date.from(clock.instant()));
            java.security.cert.CertPathValidator.getInstance("PKIX").validate(path, params);
        } catch (java.security.GeneralSecurityException e) {
            throw new CertificateException("peer certificate does not chain to the cluster root: " + e.getMessage(), e);
        }
        cluster.authorize(chain[0]);
        manager(chain);
    }

    private void manager(X509Certificate[] chain) throws CertificateException {
        X509Certificate leaf = chain[0];
        if (!Role.MANAGER.label().equals(rdn(leaf, "OU"))) {
            throw new CertificateException("peer is not a manager: Raft is for managers only");
        }
        String node = rdn(leaf, "CN");
        if (!isManager.test(node)) {
            throw new CertificateException("peer node " + node + " is not a manager of this cluster");
        }
    }

    private static String rdn(X509Certificate cert, String type) throws CertificateException {
        try {
            for (Rdn r : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (r.getType().equalsIgnoreCase(type)) {
                    return r.getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            throw new CertificateException("unparseable peer subject", e);
        }
        throw new CertificateException("no " + type + " in peer subject");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }





    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[] {root};
    }
}
