package io.jswarm.manager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.jswarm.encryption.CertificateRequest;
import io.jswarm.encryption.JoinToken;
import io.jswarm.encryption.Role;
import io.jswarm.proto.cluster.JoinRequest;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, finding 11: no file the manager writes holds a join secret in plaintext (the command log, its
 * snapshot, anything else under the swarm directory), every file is owner-only, and yet {@code join-token}
 * prints the token, a restarted manager accepts it, and rotation replaces it (also across a restart).
 */
class JoinSecretsAtRestTest {
    @TempDir
    Path dir;

    private ManagerNode open() throws Exception {
        return ManagerNode.open(dir, new ManagerConfig(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1:2377",
                Duration.ofMillis(200), Duration.ofMillis(800), "test"), NetworkApiTest.CLOCK);
    }

    private static JoinRequest joinWith(JoinToken token) throws Exception {
        var g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return JoinRequest.newBuilder().setToken(token.value()).setHostname("w")
                .setCsrDer(ByteString.copyFrom(CertificateRequest.create(g.generateKeyPair()).der()))
                .setAdvertiseAddr("127.0.0.2").build();
    }

    /** Every file under the swarm directory that contains {@code secret} (ASCII, as the log held it). */
    private List<Path> filesHolding(String secret) throws Exception {
        byte[] needle = secret.getBytes(StandardCharsets.US_ASCII);
        List<Path> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                if (indexOf(Files.readAllBytes(f), needle) >= 0) {
                    out.add(dir.relativize(f));
                }
            }
        }
        return out;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private void everythingOwnerOnly() throws Exception {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.filter(p -> !p.equals(dir)).toList()) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                assertTrue(mode.endsWith("------"), dir.relativize(p) + " is " + mode);
            }
        }
    }

    @Test
    void secretsAreSealedAtRestAndStillWorkAcrossRestartsAndRotation() throws Exception {
        ManagerNode.bootstrap(dir, new InitParams("m1", "127.0.0.1", "127.0.0.1:2377", "", 0, List.of(), 24,
                Duration.ofHours(2), "test"), NetworkApiTest.CLOCK);
        JoinToken worker;
        JoinToken manager;
        try (ManagerNode m = open()) {
            worker = m.joinToken(Role.WORKER);
            manager = m.joinToken(Role.MANAGER);
        }
        assertNotEquals(worker.secret(), manager.secret());
        assertEquals(List.of(), filesHolding(worker.secret()), "worker secret at rest");
        assertEquals(List.of(), filesHolding(manager.secret()), "manager secret at rest");
        everythingOwnerOnly();

        JoinToken rotated;
        try (ManagerNode m = open()) {
            assertEquals(worker, m.joinToken(Role.WORKER), "join-token prints the same token after a restart");
            assertFalse(m.joins().join(joinWith(worker), new InetSocketAddress("127.0.0.2", 5000)).getNodeId().isEmpty(),
                    "a restarted manager accepts the token");
            rotated = m.rotateJoinToken(Role.WORKER);
            assertNotEquals(worker, rotated);
            assertEquals(rotated, m.joinToken(Role.WORKER));
        }
        assertEquals(List.of(), filesHolding(rotated.secret()), "rotated secret at rest");
        everythingOwnerOnly();
        try (ManagerNode m = open()) {
            assertEquals(rotated, m.joinToken(Role.WORKER), "the rotation survives a restart");
            assertEquals(manager, m.joinToken(Role.MANAGER), "the other role's token is untouched");
            assertThrows(StatusRuntimeException.class,
                    () -> m.joins().join(joinWith(worker), new InetSocketAddress("127.0.0.2", 5001)), "old token");
            assertFalse(m.joins().join(joinWith(rotated), new InetSocketAddress("127.0.0.3", 5002)).getNodeId().isEmpty());
        }
    }

    @Test
    void aDataRootFromBeforeSealingIsSealedInPlaceAndItsTokensKeepWorking() throws Exception {
        // What bootstrap wrote before: the secrets in plaintext in InitCluster.
        String clusterId = io.jswarm.encryption.Identifiers.newId();
        String nodeId = io.jswarm.encryption.Identifiers.newId();
        var ca = io.jswarm.encryption.CertificateAuthority.create(clusterId,
                io.jswarm.encryption.CertificateAuthority.DEFAULT_ROOT_VALIDITY, NetworkApiTest.CLOCK);
        ca.store(dir.resolve("ca"));
        ca.issue(nodeId, Role.MANAGER, Duration.ofHours(2)).store(dir.resolve("certificates"));
        JoinToken worker = JoinToken.generate(ca.certificate());
        JoinToken manager = JoinToken.generate(ca.certificate());
        try (var store = io.jswarm.manager.state.ManagerStore.open(io.jswarm.manager.state.LocalCommandLog.open(
                dir.resolve("raft")), io.jswarm.manager.state.ManagerStore.DEFAULT_SNAPSHOT_EVERY)) {
            store.submit(io.jswarm.proto.state.Command.newBuilder().setInitCluster(io.jswarm.proto.state.InitCluster
                    .newBuilder().setClusterId(clusterId).setCaCertificateDer(ByteString.copyFrom(
                            ca.certificate().getEncoded())).setWorkerTokenSecret(worker.secret())
                    .setManagerTokenSecret(manager.secret()).setDataPathPort(4789)
                    .setNodeCertValiditySeconds(7200)).build());
            store.submit(io.jswarm.proto.state.Command.newBuilder().setAddNode(io.jswarm.proto.state.AddNode.newBuilder()
                    .setNodeId(nodeId).setHostname("m1").setRole(io.jswarm.proto.state.Role.ROLE_MANAGER)
                    .setAdvertiseAddr("127.0.0.1")).build());
        }
        assertEquals(List.of(Path.of("raft/commands.log")), filesHolding(worker.secret()), "the old format");

        try (ManagerNode m = open()) {
            assertEquals(worker, m.joinToken(Role.WORKER), "the same token after the upgrade");
            assertEquals(manager, m.joinToken(Role.MANAGER));
            assertFalse(m.joins().join(joinWith(worker), new InetSocketAddress("127.0.0.2", 5000)).getNodeId().isEmpty());
        }
        assertEquals(List.of(), filesHolding(worker.secret()), "sealed in place, the old log compacted away");
        assertEquals(List.of(), filesHolding(manager.secret()));
        everythingOwnerOnly();
        try (ManagerNode m = open()) {
            assertEquals(worker, m.joinToken(Role.WORKER), "and again after another restart");
        }
    }

    @Test
    void aSealedSecretOpensOnlyWithItsKeyClusterAndRole() throws Exception {
        JoinSecrets s = JoinSecrets.open(dir.resolve("ca"), new java.security.SecureRandom());
        var c = io.jswarm.proto.state.InitCluster.newBuilder().setClusterId("c1")
                .setWorkerTokenSealed(ByteString.copyFrom(s.seal("c1", io.jswarm.proto.state.Role.ROLE_WORKER, "s3cret")))
                .build();
        assertEquals("s3cret", s.secret(c, io.jswarm.proto.state.Role.ROLE_WORKER));
        var asManager = c.toBuilder().setManagerTokenSealed(c.getWorkerTokenSealed()).build();
        assertThrows(IllegalArgumentException.class, () -> s.secret(asManager, io.jswarm.proto.state.Role.ROLE_MANAGER),
                "a worker secret is no manager secret");
        JoinSecrets other = JoinSecrets.open(dir.resolve("other"), new java.security.SecureRandom());
        assertThrows(IllegalArgumentException.class, () -> other.secret(c, io.jswarm.proto.state.Role.ROLE_WORKER));
        // A log written before sealing still works (plaintext fields).
        var old = io.jswarm.proto.state.InitCluster.newBuilder().setClusterId("c1").setWorkerTokenSecret("plain").build();
        assertEquals("plain", s.secret(old, io.jswarm.proto.state.Role.ROLE_WORKER));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                dir.resolve("ca").resolve(JoinSecrets.KEY_FILE))));
    }
}
