package io.jswarm.manager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Role;
import io.jswarm.manager.state.ManagerPeers;
import io.jswarm.manager.state.ManagerPeers.Peer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12: promote/demote rules on the manager (swarmkit's quorum rule, the last manager, idempotence). */
class PromotionsTest {
    @TempDir
    Path dir;

    static Peer p(String id, ManagerPeers.Status s) {
        return new Peer(id, id + ":2378", s);
    }

    @Test
    void aDemotionMustLeaveAReachableMajorityOfTheRemainingManagers() {
        var L = ManagerPeers.Status.LEADER;
        var R = ManagerPeers.Status.REACHABLE;
        var U = ManagerPeers.Status.UNREACHABLE;
        assertTrue(Promotions.canRemove(List.of(p("a", L), p("b", R), p("c", R)), "c"), "3 up: 2 of 2 remain");
        assertTrue(Promotions.canRemove(List.of(p("a", L), p("b", R), p("c", U)), "c"),
                "the lost manager itself: how a lost disk is repaired");
        assertFalse(Promotions.canRemove(List.of(p("a", L), p("b", R), p("c", U)), "b"),
                "1 of the remaining 2 reachable is no majority");
        assertTrue(Promotions.canRemove(List.of(p("a", L), p("b", R), p("c", R), p("d", U), p("e", R)), "d"));
        assertFalse(Promotions.canRemove(List.of(p("a", L), p("b", U), p("c", U), p("d", R), p("e", R)), "e"),
                "5 with 2 lost: removing a third live one leaves 2 of 4");
        assertFalse(Promotions.canRemove(List.of(p("a", L)), "a"), "nothing would remain");
    }

    @Test
    void promoteIsOneRoleChangeAndTheLastManagerIsNeverDemoted() throws Exception {
        ManagerNode.bootstrap(dir, new InitParams("m1", "127.0.0.1", "127.0.0.1:2377", "", 0, List.of(), 24,
                Duration.ofHours(2), "test"), NetworkApiTest.CLOCK);
        try (ManagerNode m = ManagerNode.open(dir, new ManagerConfig(new InetSocketAddress("127.0.0.1", 0),
                "127.0.0.1:2377", Duration.ofMillis(200), Duration.ofMillis(800), "test"), NetworkApiTest.CLOCK)) {
            var e = assertThrows(StatusRuntimeException.class, () -> m.demote(m.nodeId()));
            assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
            assertEquals(Promotions.LAST_MANAGER, e.getStatus().getDescription());

            String w = m.joins().join(ManagerJoinTest.join(m.joinToken(Role.WORKER), CertificateAuthority.newKeyPair())
                    .build(), ManagerJoinTest.FROM).getNodeId();
            assertFalse(m.demote("m2").getChanged(), "already a worker (by hostname)");
            assertTrue(m.promote(w).getChanged());
            assertEquals(io.jswarm.proto.state.Role.ROLE_MANAGER, m.inspect(w).getRole());
            assertEquals("Unreachable", m.inspect(w).getManagerStatus(), "not voting until it switched");
            // Two managers in the state, one voting: the promoted one is not in the configuration, so the demote is
            // only the role change (what repairs a promotion that never completed).
            assertTrue(m.demote(w).getChanged());
            var n = m.table().node(w).orElseThrow();
            assertEquals(io.jswarm.proto.state.Role.ROLE_WORKER, n.getRole());
            assertEquals("", n.getManagerAddr(), "a worker has no manager addresses");
            assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> m.promote("nosuch"))
                    .getStatus().getCode());
        }
    }
}
