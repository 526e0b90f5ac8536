package io.jswarm.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.JoinToken;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.manager.api.InitParams;
import io.jswarm.manager.api.ManagerConfig;
import io.jswarm.manager.api.ManagerNode;
import io.jswarm.vxlan.HostPort;
import io.jswarm.manager.tls.Tls;
import io.jswarm.proto.cluster.DispatcherGrpc;
import io.jswarm.proto.cluster.JoinRequest;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.NodeStatus;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manager API's security on loopback, with real TLS: pinning, tokens, mTLS authz, revocation, sessions. */
class JoinSecurityTest {
    @TempDir
    Path dir;
    ManagerNode manager;
    HostPort addr;

    @BeforeEach
    void start() throws Exception {
        manager = startManager(dir.resolve("m"));
        addr = new HostPort("127.0.0.1", manager.port());
    }

    @AfterEach
    void stop() throws Exception {
        manager.close();
    }

    static ManagerNode startManager(Path swarm) throws Exception {
        ManagerNode.bootstrap(swarm, new InitParams("m1", "127.0.0.1", "127.0.0.1:2377", "", 0, List.of(), 24,
                Duration.ofHours(2), "test"), InstantSource.system());
        ManagerNode m = ManagerNode.open(swarm, new ManagerConfig(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1:2377",
                Duration.ofMillis(200), Duration.ofMillis(800), "test"), InstantSource.system());
        m.start();
        return m;
    }

    Joiner.Joined join(JoinToken token) {
        return Joiner.join(addr, token, JoinRequest.newBuilder().setHostname("w1"), Duration.ofSeconds(10));
    }

    @Test
    void aWorkerJoinsAndGetsACertificateForAKeyOnlyItHolds() {
        Joiner.Joined j = join(manager.joinToken(Role.WORKER));
        assertEquals(Role.WORKER, j.identity().role());
        assertEquals(manager.clusterId(), j.identity().clusterId());
        assertEquals(2, manager.nodes().size());
        assertEquals("127.0.0.1", manager.inspect(j.identity().nodeId()).getAddr(), "address taken from the connection");
    }

    @Test
    void keysAreStoredOwnerOnly() throws Exception {
        for (String f : List.of("ca/ca.key", "certificates/node.key")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("m").resolve(f))));
        }
    }

    @Test
    void aWrongSecretIsRefusedAndChangesNothing() {
        JoinToken real = manager.joinToken(Role.WORKER);
        var e = assertThrows(StatusRuntimeException.class, () -> join(new JoinToken(real.caDigest(), "1".repeat(25))));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("A valid join token is necessary to join this cluster", e.getStatus().getDescription());
        assertEquals(1, manager.nodes().size());
    }

    @Test
    void aTokenOfAnotherClusterFailsThePin() {
        var other = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
        var e = assertThrows(StatusRuntimeException.class, () -> join(JoinToken.generate(other.certificate())));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("remote CA does not match fingerprint"), e.getStatus().getDescription());
    }

    @Test
    void aFakeManagerWithItsOwnCaIsRefusedBeforeTheSecretIsSent() throws Exception {
        ManagerNode fake = startManager(dir.resolve("fake"));
        try {
            JoinToken real = manager.joinToken(Role.WORKER);
            var e = assertThrows(StatusRuntimeException.class, () -> Joiner.join(new HostPort("127.0.0.1", fake.port()),
                    real, JoinRequest.newBuilder().setHostname("w1"), Duration.ofSeconds(10)));
            assertTrue(e.getStatus().getDescription().startsWith("error while validating Root CA Certificate"));
            assertEquals(1, fake.nodes().size());
        } finally {
            fake.close();
        }
    }

    @Test
    void rotationInvalidatesTheOldToken() {
        JoinToken old = manager.joinToken(Role.WORKER);
        JoinToken fresh = manager.rotateJoinToken(Role.WORKER);
        assertNotEquals(old.secret(), fresh.secret());
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class, () -> join(old)).getStatus().getCode());
        join(fresh);
    }

    @Test
    void workersCannotCallManagerOnlyRpcsAndStrangersCannotCallAnything() throws Exception {
        NodeIdentity worker = join(manager.joinToken(Role.WORKER)).identity();
        var e = assertThrows(StatusRuntimeException.class, () -> listNodes(Tls.client(new IdentityKeyManager(worker), worker.root())));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        assertEquals(2, listNodes(Tls.client(new IdentityKeyManager(manager.identity()), manager.identity().root())));
        var trustOnly = io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.forClient().trustManager(worker.root()).build();
        e = assertThrows(StatusRuntimeException.class, () -> listNodes(trustOnly));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    }

    @Test
    void sessionsDriveReadyAndDownAndARemovedNodeIsCutOff() throws Exception {
        NodeIdentity worker = join(manager.joinToken(Role.WORKER)).identity();
        var config = new DaemonConfig(dir.resolve("s.sock"), dir.resolve("w"), "w1", Duration.ofMillis(200),
                Duration.ofMillis(800), Duration.ofMillis(300));
        AgentSession session = new AgentSession(List.of(addr.toString()), new IdentityKeyManager(worker),
                dir.resolve("w/certs"), config, "test");
        session.start();
        try {
            await(() -> manager.inspect(worker.nodeId()).getStatus() == NodeStatus.NODE_STATUS_READY);
            await(() -> session.view().map(v -> v.getNodesCount() == 2).orElse(false));
            NodeIdentity other = join(manager.joinToken(Role.WORKER)).identity();
            manager.remove(other.nodeId(), true);
            await(() -> session.view().map(v -> v.getRemovedNodeIdsList().equals(List.of(other.nodeId()))).orElse(false));
            assertEquals(Status.Code.FAILED_PRECONDITION, assertThrows(StatusRuntimeException.class,
                    () -> manager.remove(worker.nodeId(), false)).getStatus().getCode(), "a Ready node needs --force");
            manager.remove(worker.nodeId(), true);
            await(session::revoked);
            assertTrue(session.error().orElseThrow().contains("was removed"), session.error().orElseThrow());
        } finally {
            session.close();
        }
        var e = assertThrows(StatusRuntimeException.class, () -> listNodes(Tls.client(new IdentityKeyManager(worker), worker.root())));
        assertEquals("node " + worker.nodeId() + " was removed from the swarm", e.getStatus().getDescription());
    }

    @Test
    void aMemberRenewsItsOwnCertificateOnly() throws Exception {
        NodeIdentity worker = join(manager.joinToken(Role.WORKER)).identity();
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", manager.port())
                .sslContext(Tls.client(new IdentityKeyManager(worker), worker.root()))
                .overrideAuthority(Tls.MANAGER_AUTHORITY).build();
        try {
            var key = CertificateAuthority.newKeyPair();
            var resp = DispatcherGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .renewCertificate(io.jswarm.proto.cluster.RenewRequest.newBuilder().setCsrDer(com.google.protobuf.ByteString
                            .copyFrom(io.jswarm.encryption.CertificateRequest.create(key).der())).build());
            NodeIdentity renewed = new NodeIdentity(key.getPrivate(), Joiner.parse(resp.getCertificateDer().toByteArray()), worker.root());
            assertEquals(worker.nodeId(), renewed.nodeId(), "same identity, new key");
            assertEquals(Role.WORKER, renewed.role(), "the role comes from the manager state, not the request");
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    void anAgentRenewsItsCertificateWellBeforeExpiry() throws Exception {
        NodeIdentity worker = join(manager.joinToken(Role.WORKER)).identity();
        var config = new DaemonConfig(dir.resolve("s.sock"), dir.resolve("w"), "w1", Duration.ofMillis(200),
                Duration.ofMillis(800), Duration.ofMillis(300));
        var keys = new IdentityKeyManager(worker);
        // 100 minutes into a 2 h certificate: past the two-thirds mark.
        java.time.InstantSource later = () -> java.time.Instant.now().plus(Duration.ofMinutes(100));
        AgentSession session = new AgentSession(List.of(addr.toString()), keys, dir.resolve("w/certs"), config, "test", later);
        session.start();
        try {
            await(() -> keys.identity() != worker);
        } finally {
            session.close();
        }
        NodeIdentity renewed = NodeIdentity.load(dir.resolve("w/certs"));
        assertEquals(worker.nodeId(), renewed.nodeId());
        assertNotEquals(worker.certificate().getPublicKey(), renewed.certificate().getPublicKey(), "a new key");
        assertTrue(!renewed.expiresAt().isBefore(worker.expiresAt()), "a fresh validity period");
        assertEquals(keys.identity().certificate(), renewed.certificate(), "stored as used");
    }

    @Test
    void aManagerCannotBeRemoved() {
        assertEquals(Status.Code.FAILED_PRECONDITION, assertThrows(StatusRuntimeException.class,
                () -> manager.remove(manager.nodeId(), true)).getStatus().getCode());
    }

    int listNodes(SslContext ssl) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", manager.port()).sslContext(ssl)
                .overrideAuthority(Tls.MANAGER_AUTHORITY).build();
        try {
            return DispatcherGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .listNodes(ListNodesRequest.getDefaultInstance()).getNodesCount();
        } finally {
            ch.shutdownNow();
        }
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 15 s");
            }
            Thread.sleep(20);
        }
    }
}
