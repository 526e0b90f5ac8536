package io.jswarm.encryption;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * A node's TLS identity: its private key, its certificate (CN node id, OU role, O cluster id) and the
 * cluster root it chains to. Immutable; renewal produces a new instance.
 */
public final class NodeIdentity {
    private final PrivateKey privateKey;
    private final X509Certificate certificate;
    private final X509Certificate root;

    /**
     * @throws IllegalArgumentException if the certificate does not chain to {@code root} or lacks the
     *                                  subject fields jswarm relies on
     */
    public NodeIdentity(PrivateKey privateKey, X509Certificate certificate, X509Certificate root) {
        try {
            certificate.verify(root.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("node certificate is not signed by the cluster root CA", e);
        }
        this.privateKey = privateKey;
        this.certificate = certificate;
        this.root = root;
        Role.fromLabel(rdn(certificate, BCStyle.OU));
        if (!Identifiers.isValid(rdn(certificate, BCStyle.CN))) {
            throw new IllegalArgumentException("node certificate CN is not a node id");
        }
    }

    public static NodeIdentity load(Path dir) throws IOException {
        return new NodeIdentity(Pem.parsePrivateKey(SecureFiles.read(dir.resolve("node.key"))),
                Pem.parseCertificate(SecureFiles.read(dir.resolve("node.crt"))),
                Pem.parseCertificate(SecureFiles.read(dir.resolve("ca.crt"))));
    }

    /** Writes {@code node.key}, {@code node.crt} and {@code ca.crt}, owner-only. */
    public void store(Path dir) throws IOException {
        SecureFiles.writeOwnerOnly(dir.resolve("node.key"), Pem.privateKey(privateKey));
        SecureFiles.writeOwnerOnly(dir.resolve("node.crt"), Pem.certificate(certificate));
        SecureFiles.writeOwnerOnly(dir.resolve("ca.crt"), Pem.certificate(root));
    }

    public String nodeId() {
        return rdn(certificate, BCStyle.CN);
    }

    public Role role() {
        return Role.fromLabel(rdn(certificate, BCStyle.OU));
    }

    public String clusterId() {
        return rdn(certificate, BCStyle.O);
    }

    public Instant expiresAt() {
        return certificate.getNotAfter().toInstant();
    }

    /**
     * Whether to renew now: once less than a third of the certificate's lifetime is left (Docker renews at
     * a random point between 50% and 80%; a fixed two-thirds mark is simpler to test and still leaves a
     * long margin for a manager that is briefly away).
     */
    public boolean needsRenewal(Instant now) {
        Instant from = certificate.getNotBefore().toInstant();
        Duration lifetime = Duration.between(from, expiresAt());
        return now.isAfter(from.plus(lifetime.multipliedBy(2).dividedBy(3)));
    }

    /**
     * How long to wait between two renewal attempts (after a failure): a tenth of the lifetime, within
     * 1 s..1 min, so a short-lived certificate still gets several attempts before it expires.
     */
    public Duration renewalRetry() {
        Duration tenth = Duration.between(certificate.getNotBefore().toInstant(), expiresAt()).dividedBy(10);
        Duration min = Duration.ofSeconds(1);
        Duration max = Duration.ofMinutes(1);
        return tenth.compareTo(min) < 0 ? min : tenth.compareTo(max) > 0 ? max : tenth;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public X509Certificate root() {
        return root;
    }

    /** DNS names in the certificate's subjectAltName. */
    public java.util.List<String> dnsNames() {
        try {
            var names = certificate.getSubjectAlternativeNames();
            if (names == null) {
                return java.util.List.of();
            }
            return names.stream().filter(n -> (Integer) n.get(0) == 2).map(n -> (String) n.get(1)).toList();
        } catch (CertificateParsingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The value of one RDN of the certificate's subject, e.g. CN. */
    static String rdn(X509Certificate cert, ASN1ObjectIdentifier type) {
        RDN[] rdns = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded()).getRDNs(type);
        if (rdns.length != 1) {
            throw new IllegalArgumentException("certificate subject needs exactly one " + BCStyle.INSTANCE.oidToDisplayName(type));
        }
        return IETFUtils.valueToString(rdns[0].getFirst().getValue());
    }

    @Override
    public String toString() {
        return "NodeIdentity[node=" + nodeId() + ", role=" + role().label() + ", cluster=" + clusterId()
                + ", expires=" + expiresAt() + "]";
    }
}
