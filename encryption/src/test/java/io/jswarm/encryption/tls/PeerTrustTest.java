package io.jswarm.encryption.tls;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The handshake-time authorisation: chain to our root, our cluster id in O, a node id not revoked. */
class PeerTrustTest {
    private final CertificateAuthority ca =
            CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
    private final NodeIdentity self = ca.issue(Identifiers.newId(), Role.MANAGER, Duration.ofDays(1));

    @Test
    void acceptsMembersRefusesRevokedAndForeign() {
        NodeIdentity peer = ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
        PeerTrust trust = new PeerTrust(self, Set.of("gone")::contains);
        assertDoesNotThrow(() -> trust.checkClientTrusted(new X509Certificate[]{peer.certificate()}, "EC"));
        assertDoesNotThrow(() -> trust.checkServerTrusted(new X509Certificate[]{peer.certificate()}, "ECDHE_ECDSA"));

        PeerTrust revoking = new PeerTrust(self, Set.of(peer.nodeId())::contains);
        var e = assertThrows(CertificateException.class,
                () -> revoking.checkClientTrusted(new X509Certificate[]{peer.certificate()}, "EC"));
        assertTrue(e.getMessage().contains("removed"));
        assertThrows(CertificateException.class,
                () -> revoking.checkServerTrusted(new X509Certificate[]{peer.certificate()}, "ECDHE_ECDSA"));

        var other = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
        NodeIdentity foreign = other.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
        assertThrows(CertificateException.class,
                () -> trust.checkClientTrusted(new X509Certificate[]{foreign.certificate()}, "EC"));
    }

    /** A certificate signed by our very root but naming another cluster in O (a mis-issued or reused root). */
    @Test
    void refusesOurRootSigningAnotherClusterId(@TempDir Path dir) throws Exception {
        ca.store(dir);
        PrivateKey caKey;
        try (var parser = new PEMParser(new StringReader(Files.readString(dir.resolve("ca.key"))))) {
            Object o = parser.readObject();
            var conv = new JcaPEMKeyConverter();
            caKey = o instanceof org.bouncycastle.openssl.PEMKeyPair kp ? conv.getKeyPair(kp).getPrivate()
                    : conv.getPrivateKey((org.bouncycastle.asn1.pkcs.PrivateKeyInfo) o);
        }
        KeyPair key = CertificateAuthority.newKeyPair();
        var subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "some-other-cluster")
                .addRDN(BCStyle.OU, "worker").addRDN(BCStyle.CN, Identifiers.newId()).build();
        Instant now = Instant.now();
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                ca.certificate(), BigInteger.TEN, Date.from(now.minusSeconds(60)), Date.from(now.plusSeconds(3600)),
                subject, key.getPublic()).build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey)));
        PeerTrust trust = new PeerTrust(self, id -> false);
        var e = assertThrows(CertificateException.class,
                () -> trust.checkClientTrusted(new X509Certificate[]{cert}, "EC"));
        assertTrue(e.getMessage().contains("another cluster"), e.getMessage());
    }
}
