package io.jswarm.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
    private static final Instant T0 = Instant.parse("2026-11-23T00:00:00Z");
    private final InstantSource clock = InstantSource.fixed(T0);
    private final String clusterId = Identifiers.newId();
    private final CertificateAuthority ca = CertificateAuthority.create(clusterId, Duration.ofDays(3650), clock);

    @Test
    void rootIsASelfSignedP256Ca() throws Exception {
        X509Certificate root = ca.certificate();
        root.verify(root.getPublicKey());
        assertTrue(root.getBasicConstraints() >= 0, "root must be a CA");
        assertEquals(256, ((ECPublicKey) root.getPublicKey()).getParams().getCurve().getField().getFieldSize());
        assertEquals("SHA256withECDSA", root.getSigAlgName());
        assertEquals(clusterId, ca.clusterId());
    }

    @Test
    void signsNodeCertificatesWithSubjectDecidedByTheCa() throws Exception {
        String nodeId = Identifiers.newId();
        var key = CertificateAuthority.newKeyPair();
        X509Certificate cert = ca.sign(CertificateRequest.create(key), nodeId, Role.WORKER, Duration.ofHours(2160));
        var identity = new NodeIdentity(key.getPrivate(), cert, ca.certificate());

        assertEquals(nodeId, identity.nodeId());
        assertEquals(Role.WORKER, identity.role());
        assertEquals(clusterId, identity.clusterId());
        assertEquals(T0.plus(Duration.ofHours(2160)), identity.expiresAt());
        assertEquals(-1, cert.getBasicConstraints(), "node certificates are not CAs");
        assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), cert.getExtendedKeyUsage());
        assertEquals(List.of(nodeId, "swarm-worker"), identity.dnsNames());
        assertEquals(key.getPublic(), cert.getPublicKey());
    }

    @Test
    void refusesATamperedRequest() {
        byte[] der = CertificateRequest.create(CertificateAuthority.newKeyPair()).der();
        der[der.length - 5] ^= 0x01; // inside the signature
        var bad = new CertificateRequest(der);
        assertThrows(IllegalArgumentException.class,
                () -> ca.sign(bad, Identifiers.newId(), Role.WORKER, Duration.ofHours(1)));
    }

    @Test
    void refusesBadNodeIdsAndValidity() {
        var csr = CertificateRequest.create(CertificateAuthority.newKeyPair());
        assertThrows(IllegalArgumentException.class, () -> ca.sign(csr, "Not-An-Id", Role.WORKER, Duration.ofHours(1)));
        assertThrows(IllegalArgumentException.class, () -> ca.sign(csr, Identifiers.newId(), Role.WORKER, Duration.ZERO));
    }

    @Test
    void identityFromAnotherClusterIsRejected() {
        var other = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), clock);
        var foreign = other.issue(Identifiers.newId(), Role.MANAGER, Duration.ofDays(1));
        assertThrows(IllegalArgumentException.class,
                () -> new NodeIdentity(foreign.privateKey(), foreign.certificate(), ca.certificate()));
    }

    @Test
    void renewsOnceTwoThirdsOfTheLifetimeHavePassed() {
        var id = ca.issue(Identifiers.newId(), Role.MANAGER, Duration.ofHours(300));
        // Valid from T0 - 5 min (clock-skew backdating) to T0 + 300 h.
        Instant from = T0.minusSeconds(300);
        Duration life = Duration.ofHours(300).plusMinutes(5);
        assertFalse(id.needsRenewal(from.plus(life.multipliedBy(6).dividedBy(10))));
        assertTrue(id.needsRenewal(from.plus(life.multipliedBy(7).dividedBy(10))));
    }

    @Test
    void aShortLivedCertificateIsDueForRenewalAfterItsIssueTimeNotAtOnce() {
        // With a fixed 5 min backdate a 30 s certificate would be "two thirds through" before it was issued,
        // and every check would renew it again (tests run clusters with such certificates).
        var id = ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofSeconds(30));
        assertEquals(T0.minusSeconds(3), id.certificate().getNotBefore().toInstant(), "backdated by a tenth");
        assertFalse(id.needsRenewal(T0));
        assertFalse(id.needsRenewal(T0.plusSeconds(18)));
        assertTrue(id.needsRenewal(T0.plusSeconds(20)), "two thirds of 33 s from T0 - 3 s is T0 + 19 s");
        assertEquals(Duration.ofMillis(3300), id.renewalRetry());
        assertEquals(Duration.ofMinutes(1), ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofHours(2)).renewalRetry());
    }

    @Test
    void storesKeysOwnerOnlyAndLoadsThemBack(@TempDir Path tmp) throws Exception {
        Path caDir = tmp.resolve("ca");
        ca.store(caDir);
        assertEquals("rw-------", perms(caDir.resolve("ca.key")));
        assertEquals("rwx------", perms(caDir));
        var loaded = CertificateAuthority.load(caDir, clock);
        assertEquals(ca.certificate(), loaded.certificate());
        assertEquals(clusterId, loaded.clusterId());

        // The loaded CA signs certificates that chain to the same root.
        var id = loaded.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
        Path nodeDir = tmp.resolve("node");
        id.store(nodeDir);
        assertEquals("rw-------", perms(nodeDir.resolve("node.key")));
        var back = NodeIdentity.load(nodeDir);
        assertEquals(id.certificate(), back.certificate());
        assertEquals(id.privateKey(), back.privateKey());
        assertEquals(ca.certificate(), back.root());
        assertTrue(Files.list(nodeDir).noneMatch(p -> p.toString().endsWith(".tmp")), "no temp files left");
    }

    private static String perms(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
