package io.jswarm.manager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.CertificateRequest;
import io.jswarm.encryption.JoinToken;
import io.jswarm.encryption.Role;
import io.jswarm.encryption.SecretSeal;
import io.jswarm.manager.state.ManagerPeers;
import io.jswarm.manager.state.StateView;
import io.jswarm.proto.cluster.JoinRequest;
import io.jswarm.proto.cluster.JoinResponse;
import io.jswarm.proto.cluster.ManagerCredentialsRequest;
import io.jswarm.proto.cluster.RaftPeerInfo;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.InitCluster;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: {@code Join} with a manager token and a promoted node's credentials, on the answering manager:
 * what is signed, committed and handed over (the bundle), and what is refused with nothing changed.
 */
class ManagerJoinTest {
    static final InetSocketAddress FROM = new InetSocketAddress("198.51.100.7", 40000);

    @TempDir
    Path dir;

    private ManagerNode open() throws Exception {
        return ManagerNode.open(dir, new ManagerConfig(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1:2377",
                Duration.ofMillis(200), Duration.ofMillis(800), "test"), NetworkApiTest.CLOCK);
    }

    private void bootstrap() throws Exception {
        ManagerNode.bootstrap(dir, new InitParams("m1", "127.0.0.1", "127.0.0.1:2377", "", 0, List.of(), 24,
                Duration.ofHours(2), "test"), NetworkApiTest.CLOCK);
    }

    static JoinRequest.Builder join(JoinToken token, KeyPair key) {
        return JoinRequest.newBuilder().setToken(token.value()).setHostname("m2")
                .setCsrDer(ByteString.copyFrom(CertificateRequest.create(key).der())).setAdvertiseAddr("198.51.100.7")
                .setManagerPort(2377).setRaftPort(2378);
    }

    @Test
    void aManagerTokenGetsAManagerCertificateTheBundleAndARecordWithItsAddresses() throws Exception {
        bootstrap();
        try (ManagerNode m = open()) {
            KeyPair key = CertificateAuthority.newKeyPair();
            JoinResponse r = m.joins().join(join(m.joinToken(Role.MANAGER), key).build(), FROM);
            assertEquals(io.jswarm.proto.state.Role.ROLE_MANAGER, r.getRole());
            var cert = new io.jswarm.encryption.NodeIdentity(key.getPrivate(), parse(r.getCertificateDer()), m.ca().certificate());
            assertEquals(Role.MANAGER, cert.role(), "a manager certificate for the joiner's own key");
            assertEquals(r.getNodeId(), cert.nodeId());

            var b = r.getManagerBundle();
            var ca = CertificateAuthority.fromKey(m.ca().certificate(), b.getCaKeyPkcs8().toByteArray(), NetworkApiTest.CLOCK);
            assertEquals(m.clusterId(), ca.clusterId(), "the bundle's CA key is the cluster's");
            assertEquals(List.of(ByteString.copyFrom(SecretSeal.readKey(dir.resolve("ca").resolve(JoinSecrets.KEY_FILE)))),
                    List.of(b.getSealKey()), "the seal key of the join secrets and data-key roots");
            String raftAddr = m.managerPeers().peers().getFirst().raftAddr();
            assertFalse(raftAddr.isEmpty());
            assertEquals(List.of(RaftPeerInfo.newBuilder().setNodeId(m.nodeId()).setRaftAddr(raftAddr).build()),
                    b.getPeersList(), "the voting managers (the Raft configuration), without the new one");
            assertEquals("198.51.100.7", b.getAdvertiseAddr());
            assertEquals("198.51.100.7:2377", b.getManagerAddr());
            assertEquals("198.51.100.7:2378", b.getRaftAddr());

            AddNode added = m.table().node(r.getNodeId()).orElseThrow();
            assertEquals(io.jswarm.proto.state.Role.ROLE_MANAGER, added.getRole());
            assertEquals("198.51.100.7:2377", added.getManagerAddr());
            assertEquals("198.51.100.7:2378", added.getRaftAddr());
            assertTrue(m.view().getManagerAddrsList().contains("198.51.100.7:2377"), "workers learn the new manager");
            // Not yet in the Raft configuration: it cannot vote, and node ls says so.
            var info = m.inspect(r.getNodeId());
            assertEquals("Unreachable", info.getManagerStatus());
            assertEquals("Leader", m.inspect(m.nodeId()).getManagerStatus());
        }
    }

    @Test
    void aWorkerTokenGetsNoBundleAndNoManagerAddresses() throws Exception {
        bootstrap();
        try (ManagerNode m = open()) {
            JoinResponse r = m.joins().join(join(m.joinToken(Role.WORKER), CertificateAuthority.newKeyPair()).build(), FROM);
            assertEquals(io.jswarm.proto.state.Role.ROLE_WORKER, r.getRole());
            assertTrue(!r.hasManagerBundle(), "no CA key for a worker");
            assertEquals("", m.table().node(r.getNodeId()).orElseThrow().getManagerAddr());
            assertEquals("", m.inspect(r.getNodeId()).getManagerStatus());
        }
    }

    @Test
    void refusalsChangeNothing() throws Exception {
        bootstrap();
        try (ManagerNode m = open()) {
            JoinToken token = m.joinToken(Role.MANAGER);
            long index = m.store().view().index();
            // (A store whose voting peers have no known Raft address refuses too: votingPeers' test below.)
            for (var bad : List.of(join(token, CertificateAuthority.newKeyPair()).setRaftPort(0),
                    join(token, CertificateAuthority.newKeyPair()).setManagerPort(70000),
                    join(token, CertificateAuthority.newKeyPair()).setRaftPort(2377))) {
                assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class,
                        () -> m.joins().join(bad.build(), FROM)).getStatus().getCode());
            }
            assertEquals(index, m.store().view().index(), "nothing committed");
            assertEquals(1, m.nodes().size());
        }
    }

    @Test
    void credentialsOnlyForANodeTheStateCallsAManager() throws Exception {
        bootstrap();
        try (ManagerNode m = open()) {
            JoinResponse w = m.joins().join(join(m.joinToken(Role.WORKER), CertificateAuthority.newKeyPair()).build(), FROM);
            Caller worker = Caller.of(parse(w.getCertificateDer()));
            KeyPair key = CertificateAuthority.newKeyPair();
            var req = ManagerCredentialsRequest.newBuilder()
                    .setCsrDer(ByteString.copyFrom(CertificateRequest.create(key).der())).setManagerPort(3377).setRaftPort(3378).build();
            assertEquals(Status.Code.PERMISSION_DENIED, assertThrows(StatusRuntimeException.class,
                    () -> m.promotions().credentials(worker, req)).getStatus().getCode(), "a worker gets no CA key");

            assertTrue(m.promote(w.getNodeId()).getChanged());
            assertEquals(false, m.promote(w.getNodeId()).getChanged(), "promote twice: already a manager");
            var c = m.promotions().credentials(worker, req); // its certificate still says worker: the state decides
            var id = new io.jswarm.encryption.NodeIdentity(key.getPrivate(), parse(c.getCertificateDer()), m.ca().certificate());
            assertEquals(Role.MANAGER, id.role());
            assertEquals("198.51.100.7:3377", c.getManagerBundle().getManagerAddr(), "at the host the state knows");
            AddNode n = m.table().node(w.getNodeId()).orElseThrow();
            assertEquals("198.51.100.7:3377", n.getManagerAddr());
            assertEquals("198.51.100.7:3378", n.getRaftAddr());
            long index = m.store().view().index();
            m.promotions().credentials(worker, req);
            assertEquals(index, m.store().view().index(), "a retry with the same addresses commits nothing");
        }
    }

    @Test
    void votingPeersTakeTheConfigurationsAddressesOrTheStatesAndNeverPartOfAGroup() {
        var state = new io.jswarm.manager.state.StateMachine();
        state.apply(1, Command.newBuilder().setInitCluster(InitCluster.newBuilder().setClusterId("c")).build());
        state.apply(2, Command.newBuilder().setAddNode(AddNode.newBuilder().setNodeId("a").setRole(
                io.jswarm.proto.state.Role.ROLE_MANAGER).setRaftAddr("192.0.2.1:2378")).build());
        state.apply(3, Command.newBuilder().setAddNode(AddNode.newBuilder().setNodeId("b").setRole(
                io.jswarm.proto.state.Role.ROLE_MANAGER)).build());
        StateView v = state.view();
        var a = new ManagerPeers.Peer("a", "", ManagerPeers.Status.LEADER);
        var b = new ManagerPeers.Peer("b", "192.0.2.2:2378", ManagerPeers.Status.UNREACHABLE);
        assertEquals(Optional.of(List.of(peer("a", "192.0.2.1:2378"), peer("b", "192.0.2.2:2378"))),
                ManagerBundles.votingPeers(List.of(a, b), v, "new"), "an unreachable voter is still one to join");
        assertEquals(Optional.of(List.of(peer("a", "192.0.2.1:2378"))), ManagerBundles.votingPeers(List.of(a, b), v, "b"),
                "the node itself is left out (a promoted manager's retry)");
        assertEquals(Optional.empty(), ManagerBundles.votingPeers(List.of(a, new ManagerPeers.Peer("b", "",
                ManagerPeers.Status.REACHABLE)), v, "new"), "one address unknown: no group at all");
        assertEquals(Optional.empty(), ManagerBundles.votingPeers(List.of(), v, "new"));
    }

    private static RaftPeerInfo peer(String id, String addr) {
        return RaftPeerInfo.newBuilder().setNodeId(id).setRaftAddr(addr).build();
    }

    static java.security.cert.X509Certificate parse(ByteString der) throws Exception {
        return (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(der.toByteArray()));
    }
}
