package io.jswarm.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.encryption.SecretSeal;
import io.jswarm.proto.cluster.LocalNodeState;
import io.jswarm.proto.cluster.ManagerBundle;
import io.jswarm.proto.cluster.RaftPeerInfo;
import io.jswarm.vxlan.HostPort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: what a node joining as a manager writes from the bundle (where ManagerNode.open reads it,
 * owner-only), the state it will start with, the Raft settings from that state, and bundles it refuses.
 */
class ManagerJoinInstallTest {
    static final InstantSource CLOCK = InstantSource.system();

    @TempDir
    Path dir;

    final CertificateAuthority ca = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), CLOCK);
    final String peerId = Identifiers.newId();

    ManagerBundle bundle() {
        return ManagerBundle.newBuilder().setCaKeyPkcs8(ByteString.copyFrom(ca.privateKeyPkcs8()))
                .setSealKey(ByteString.copyFrom(new byte[32])).addPeers(RaftPeerInfo.newBuilder().setNodeId(peerId)
                        .setRaftAddr("192.0.2.11:2378"))
                .setAdvertiseAddr("192.0.2.12").setManagerAddr("192.0.2.12:2377").setRaftAddr("192.0.2.12:2378").build();
    }

    @Test
    void theBundleLandsWhereAManagerReadsItOwnerOnly() throws Exception {
        SwarmDir swarm = new SwarmDir(dir);
        NodeIdentity me = ca.issue(Identifiers.newId(), Role.MANAGER, Duration.ofHours(2));
        byte[] seal = new byte[32];
        new java.security.SecureRandom().nextBytes(seal);
        LocalNodeState st = ManagerJoin.install(swarm, me, bundle().toBuilder().setSealKey(ByteString.copyFrom(seal)).build(),
                List.of("192.0.2.11:2377", "192.0.2.12:2377"), HostPort.parse("0.0.0.0:2377", 2377), "", CLOCK);

        var loaded = CertificateAuthority.load(swarm.path().resolve("ca"), CLOCK);
        assertEquals(ca.clusterId(), loaded.clusterId());
        assertArrayEquals(ca.privateKeyPkcs8(), loaded.privateKeyPkcs8(), "the cluster's CA key, as store() writes it");
        assertArrayEquals(seal, SecretSeal.readKey(swarm.path().resolve("ca").resolve("secrets.key")));
        assertEquals(me.nodeId(), NodeIdentity.load(swarm.certificates()).nodeId());
        try (Stream<Path> all = Files.walk(swarm.path())) {
            for (Path p : all.toList()) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                assertTrue(mode.endsWith("------"), swarm.path().relativize(p) + " is " + mode);
            }
        }

        assertEquals(io.jswarm.proto.state.Role.ROLE_MANAGER, st.getRole());
        assertEquals(List.of("192.0.2.12:2377", "192.0.2.11:2377"), st.getManagerAddrsList(), "its own API address first");
        assertEquals("192.0.2.12", st.getAdvertiseAddr());
        assertEquals("192.0.2.12", st.getDataPathAddr());
        assertEquals("0.0.0.0:2377", st.getListenAddr());
        var raft = ManagerJoin.raft(st);
        assertEquals(2378, raft.listen().getPort());
        assertEquals("192.0.2.12:2378", raft.advertise(), "what the answering manager recorded as its raft_addr");
        assertEquals(List.of(new io.jswarm.manager.raft.RaftSettings.Peer(peerId, "192.0.2.11:2378")), raft.joinPeers());
    }

    @Test
    void aDaemonKilledBeforeItsStatePbRestartsAsNoNodeAndAWorkerKeepsNoManagerFiles() throws Exception {
        // A manager join killed after the bundle's files, before state.pb: at restart no half a node is left.
        SwarmDir swarm = new SwarmDir(dir.resolve("a"));
        NodeIdentity me = ca.issue(Identifiers.newId(), Role.MANAGER, Duration.ofHours(2));
        ManagerJoin.install(swarm, me, bundle(), List.of(), HostPort.parse("127.0.0.1:2377", 2377), "", CLOCK);
        Files.createDirectories(swarm.path().resolve("raft").resolve("ratis"));
        try (Daemon d = started("a")) {
            assertEquals("inactive", ControlService.info(d).getLocalNodeState());
            assertFalse(Files.exists(swarm.path()), "leftovers erased");
        }

        // A demotion killed after state.pb said worker, before the manager files went: they go at the restart.
        SwarmDir w = new SwarmDir(dir.resolve("b"));
        NodeIdentity worker = ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofHours(2));
        ManagerJoin.install(w, me, bundle(), List.of(), HostPort.parse("127.0.0.1:2377", 2377), "", CLOCK);
        worker.store(w.certificates());
        Files.createDirectories(w.path().resolve("raft").resolve("ratis"));
        w.store(LocalNodeState.newBuilder().setNodeId(worker.nodeId()).setClusterId(worker.clusterId())
                .setRole(io.jswarm.proto.state.Role.ROLE_WORKER).addManagerAddrs("127.0.0.1:9").build());
        try (Daemon d = started("b")) {
            assertTrue(d.mode() instanceof Daemon.Mode.Worker);
            assertFalse(Files.exists(w.path().resolve("ca")), "a worker holds no CA key or seal key");
            assertFalse(Files.exists(w.path().resolve("raft")), "nor a Raft log");
            assertTrue(Files.exists(w.certificates()));
        }
    }

    private Daemon started(String name) throws Exception {
        Daemon d = new Daemon(new DaemonConfig(dir.resolve(name + ".sock"), dir.resolve(name), "jsmgr-" + name,
                Duration.ofMillis(200), Duration.ofMillis(800), Duration.ofMillis(300)).withExecRoot(dir.resolve(name + "-run")));
        d.start();
        return d;
    }

    @Test
    void anUnusableBundleIsRefusedBeforeAnythingIsWritten() {
        SwarmDir swarm = new SwarmDir(dir);
        NodeIdentity me = ca.issue(Identifiers.newId(), Role.MANAGER, Duration.ofHours(2));
        NodeIdentity worker = ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofHours(2));
        var other = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), CLOCK);
        HostPort listen = HostPort.parse("0.0.0.0:2377", 2377);
        for (var bad : List.of(bundle().toBuilder().clearCaKeyPkcs8().build(), bundle().toBuilder().clearPeers().build(),
                bundle().toBuilder().clearRaftAddr().build(),
                bundle().toBuilder().setPeers(0, RaftPeerInfo.newBuilder().setNodeId(me.nodeId()).setRaftAddr("x:1")).build(),
                bundle().toBuilder().setCaKeyPkcs8(ByteString.copyFrom(other.privateKeyPkcs8())).build())) {
            assertThrows(StatusRuntimeException.class, () -> ManagerJoin.install(swarm, me, bad, List.of(), listen, "", CLOCK));
        }
        assertThrows(StatusRuntimeException.class, () -> ManagerJoin.install(swarm, worker, bundle(), List.of(), listen, "", CLOCK),
                "a worker certificate cannot serve as a manager");
        assertFalse(Files.exists(swarm.path().resolve("ca")), "nothing written");
        assertThrows(StatusRuntimeException.class, () -> ManagerJoin.listen("0.0.0.0:65535"), "no port left for Raft");
    }
}
