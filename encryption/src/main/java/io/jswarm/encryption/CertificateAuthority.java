package io.jswarm.encryption;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The cluster's root CA (ECDSA P-256), held by managers. It signs node certificates whose subject is
 * decided here, never by the requester: CN = node id, OU = role, O = cluster id. Peers authorise by those
 * fields after the TLS handshake has proven the chain to this root.
 */
public final class CertificateAuthority {
    static final String SIGNATURE = "SHA256withECDSA";
    /** Docker's default root validity is 20 years; rotation of the root is a later concern. */
    public static final Duration DEFAULT_ROOT_VALIDITY = Duration.ofDays(20 * 365);
    /** Docker's {@code --cert-expiry} default, 2160h. */
    public static final Duration DEFAULT_NODE_VALIDITY = Duration.ofHours(2160);
    /**
     * Clock skew tolerated between nodes: certificates are valid from a little before their issue time. At
     * most a tenth of a node certificate's validity, so a short-lived one (tests) keeps its renewal point
     * after its issue time.
     */
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    private final String clusterId;
    private final KeyPair key;
    private final X509Certificate certificate;
    private final InstantSource clock;

    private CertificateAuthority(String clusterId, KeyPair key, X509Certificate certificate, InstantSource clock) {
        this.clusterId = clusterId;
        this.key = key;
        this.certificate = certificate;
        this.clock = clock;
    }

    /** A new root CA for a new cluster. */
    public static CertificateAuthority create(String clusterId, Duration validity, InstantSource clock) {
        if (!Identifiers.isValid(clusterId)) {
            throw new IllegalArgumentException("bad cluster id '" + clusterId + "'");
        }
        KeyPair key = newKeyPair();
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, clusterId).addRDN(BCStyle.CN, "swarm-ca").build();
        Instant now = clock.instant();
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), name, key.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(1));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key.getPublic()));
            return new CertificateAuthority(clusterId, key, sign(b, key.getPrivate()), clock);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot create the root CA", e);
        }
    }

    /** Loads a CA written by {@link #store}. */
    public static CertificateAuthority load(Path dir, InstantSource clock) throws IOException {
        X509Certificate cert = Pem.parseCertificate(SecureFiles.read(dir.resolve("ca.crt")));
        PrivateKey priv = Pem.parsePrivateKey(SecureFiles.read(dir.resolve("ca.key")));
        String clusterId = NodeIdentity.rdn(cert, BCStyle.O);
        return new CertificateAuthority(clusterId, new KeyPair(cert.getPublicKey(), priv), cert, clock);
    }

    /**
     * Issue 12: the CA a new manager received from another one (its root certificate, pinned by the join
     * token, and the root's private key as PKCS#8). Refuses a key that is not the certificate's: a test
     * signature with it must verify under the certificate's public key.
     */
    public static CertificateAuthority fromKey(X509Certificate root, byte[] pkcs8, InstantSource clock) {
        PrivateKey priv;
        try {
            priv = java.security.KeyFactory.getInstance("EC").generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(pkcs8));
            byte[] probe = "jswarm ca key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            java.security.Signature s = java.security.Signature.getInstance(SIGNATURE);
            s.initSign(priv);
            s.update(probe);
            byte[] sig = s.sign();
            s.initVerify(root.getPublicKey());
            s.update(probe);
            if (!s.verify(sig)) {
                throw new IllegalArgumentException("the CA key does not belong to the CA certificate");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("unreadable CA key: " + e.getMessage(), e);
        }
        return new CertificateAuthority(NodeIdentity.rdn(root, BCStyle.O), new KeyPair(root.getPublicKey(), priv), root, clock);
    }

    /** Issue 12: the root's private key (PKCS#8 DER), for a new manager's bundle only; never log it. */
    public byte[] privateKeyPkcs8() {
        return key.getPrivate().getEncoded();
    }

    /** Writes {@code ca.crt} and {@code ca.key} (0600, directory 0700). */
    public void store(Path dir) throws IOException {
        SecureFiles.writeOwnerOnly(dir.resolve("ca.key"), Pem.privateKey(key.getPrivate()));
        SecureFiles.writeOwnerOnly(dir.resolve("ca.crt"), Pem.certificate(certificate));
    }

    /**
     * Signs a node certificate for {@code request}'s key. The subject comes from the arguments, not the
     * request. Usable for TLS server and client authentication (mutual TLS everywhere).
     */
    public X509Certificate sign(CertificateRequest request, String nodeId, Role role, Duration validity) {
        if (!Identifiers.isValid(nodeId)) {
            throw new IllegalArgumentException("bad node id '" + nodeId + "'");
        }
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("certificate validity must be positive, got " + validity);
        }
        PublicKey subjectKey = request.verifiedPublicKey();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, clusterId)
                .addRDN(BCStyle.OU, role.label()).addRDN(BCStyle.CN, nodeId).build();
        Instant now = clock.instant();
        try {
            Duration backdate = validity.dividedBy(10).compareTo(BACKDATE) < 0 ? validity.dividedBy(10) : BACKDATE;
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(),
                    Date.from(now.minus(backdate)), Date.from(now.plus(validity)), subject, subjectKey);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[]{KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            // Docker's SANs: the node id and the role name, so TLS clients can verify either.
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[]{
                    new GeneralName(GeneralName.dNSName, nodeId),
                    new GeneralName(GeneralName.dNSName, "swarm-" + role.label())}));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
            return sign(b, key.getPrivate());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a node certificate", e);
        }
    }

    /** A complete identity for a node whose key this process generates itself (the first manager). */
    public NodeIdentity issue(String nodeId, Role role, Duration validity) {
        KeyPair nodeKey = newKeyPair();
        X509Certificate cert = sign(CertificateRequest.create(nodeKey), nodeId, role, validity);
        return new NodeIdentity(nodeKey.getPrivate(), cert, certificate);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * Signs an endpoint grant's bytes (SHA256withECDSA over {@link Grants#GRANT_TAG} + the bytes, so the
     * signature can never pass as one over a certificate or anything else this key signs). The manager is the
     * authority on who owns which endpoint; every node checks entries against this signature.
     */
    public byte[] signGrant(byte[] grant) {
        return Grants.sign(key.getPrivate(), Grants.GRANT_TAG, grant);
    }

    public String clusterId() {
        return clusterId;
    }

    /** The digest that join tokens carry. */
    public String digest() {
        return JoinToken.digestOf(certificate);
    }

    /** A fresh ECDSA P-256 key pair. */
    public static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), Identifiers.RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 support in this JDK", e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, Identifiers.RANDOM).add(BigInteger.ONE);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }
}
