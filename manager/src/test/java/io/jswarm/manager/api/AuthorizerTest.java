package io.jswarm.manager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.grpc.Status;
import io.jswarm.encryption.Role;
import io.jswarm.proto.cluster.DispatcherGrpc;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuthorizerTest {
    static final String CLUSTER = "c".repeat(25);
    static final String JOIN = DispatcherGrpc.getJoinMethod().getFullMethodName();
    static final String LIST = DispatcherGrpc.getListNodesMethod().getFullMethodName();
    static final String SESSION = DispatcherGrpc.getSessionMethod().getFullMethodName();

    final Authorizer.Members members = new Authorizer.Members() {
        final Map<String, Authorizer.Standing> table = Map.of(
                "manager", new Authorizer.Standing.Member(Role.MANAGER),
                "worker", new Authorizer.Standing.Member(Role.WORKER),
                "gone", new Authorizer.Standing.Removed());

        @Override
        public String clusterId() {
            return CLUSTER;
        }

        @Override
        public Authorizer.Standing standing(String nodeId) {
            return table.getOrDefault(nodeId, new Authorizer.Standing.Unknown());
        }
    };

    Status deny(String method, Caller caller) {
        return assertInstanceOf(Authorizer.Decision.Deny.class,
                Authorizer.decide(method, Optional.ofNullable(caller), members)).status();
    }

    void allow(String method, Caller caller) {
        assertInstanceOf(Authorizer.Decision.Allow.class, Authorizer.decide(method, Optional.ofNullable(caller), members));
    }

    @Test
    void joinNeedsNoCertificate() {
        allow(JOIN, null);
    }

    @Test
    void everythingElseNeedsACertificate() {
        assertEquals(Status.Code.UNAUTHENTICATED, deny(SESSION, null).getCode());
        assertEquals(Status.Code.UNAUTHENTICATED, deny(LIST, null).getCode());
    }

    @Test
    void workersMayHoldASessionButNotReadClusterState() {
        allow(SESSION, new Caller("worker", Role.WORKER, CLUSTER));
        Status s = deny(LIST, new Caller("worker", Role.WORKER, CLUSTER));
        assertEquals(Status.Code.PERMISSION_DENIED, s.getCode());
        assertEquals(Authorizer.NOT_A_MANAGER, s.getDescription());
        allow(LIST, new Caller("manager", Role.MANAGER, CLUSTER));
    }

    @Test
    void aCertificateClaimingManagerDoesNotOverrideTheState() {
        // A worker certificate with OU=manager cannot exist (the CA decides the subject), but the state
        // must still win if one did, e.g. after a demotion before renewal.
        assertEquals(Status.Code.PERMISSION_DENIED, deny(LIST, new Caller("worker", Role.MANAGER, CLUSTER)).getCode());
    }

    @Test
    void removedAndUnknownNodesAreRefusedEverywhere() {
        Status s = deny(SESSION, new Caller("gone", Role.WORKER, CLUSTER));
        assertEquals(Status.Code.PERMISSION_DENIED, s.getCode());
        assertEquals("node gone was removed from the swarm", s.getDescription());
        assertEquals(Status.Code.PERMISSION_DENIED, deny(SESSION, new Caller("stranger", Role.WORKER, CLUSTER)).getCode());
    }

    @Test
    void aCertificateOfAnotherClusterIsRefused() {
        assertEquals(Status.Code.UNAUTHENTICATED, deny(SESSION, new Caller("worker", Role.WORKER, "d".repeat(25))).getCode());
    }

    @Test
    void onlyManagersRotateKeysButAnyMemberMayReportASoftLimit() {
        Caller worker = new Caller("worker", Role.WORKER, CLUSTER);
        Caller manager = new Caller("manager", Role.MANAGER, CLUSTER);
        Status s = deny(DispatcherGrpc.getRotateDataKeysMethod().getFullMethodName(), worker);
        assertEquals(Status.Code.PERMISSION_DENIED, s.getCode());
        assertEquals(Authorizer.NOT_A_MANAGER, s.getDescription());
        allow(DispatcherGrpc.getRotateDataKeysMethod().getFullMethodName(), manager);
        allow(DispatcherGrpc.getRequestKeyRotationMethod().getFullMethodName(), worker);
        assertEquals(Status.Code.UNAUTHENTICATED,
                deny(DispatcherGrpc.getRequestKeyRotationMethod().getFullMethodName(), null).getCode());
    }

    @Test
    void networkCreateRemovePruneAreForManagersAttachAndListForAnyMember() {
        Caller worker = new Caller("worker", Role.WORKER, CLUSTER);
        Caller manager = new Caller("manager", Role.MANAGER, CLUSTER);
        for (var method : java.util.List.of(DispatcherGrpc.getCreateNetworkMethod(), DispatcherGrpc.getRemoveNetworkMethod(),
                DispatcherGrpc.getPruneNetworksMethod())) {
            Status s = deny(method.getFullMethodName(), worker);
            assertEquals(Status.Code.PERMISSION_DENIED, s.getCode());
            assertEquals(Authorizer.NOT_A_MANAGER, s.getDescription());
            allow(method.getFullMethodName(), manager);
        }
        for (var method : java.util.List.of(DispatcherGrpc.getListNetworksMethod(), DispatcherGrpc.getAttachEndpointMethod(),
                DispatcherGrpc.getDetachEndpointMethod(), DispatcherGrpc.getOwnEndpointsMethod())) {
            allow(method.getFullMethodName(), worker);
            assertEquals(Status.Code.UNAUTHENTICATED, deny(method.getFullMethodName(), null).getCode());
        }
    }

    @Test
    void everyMemberMayReleaseItsOwnEndpointsOnlyAManagerInStateAndCertificateActsAsOne() {
        String release = DispatcherGrpc.getReleaseNodeEndpointsMethod().getFullMethodName();
        allow(release, new Caller("worker", Role.WORKER, CLUSTER));
        assertEquals(Status.Code.PERMISSION_DENIED, deny(release, new Caller("gone", Role.WORKER, CLUSTER)).getCode());
        assertEquals(true, Authorizer.actsAsManager(new Caller("manager", Role.MANAGER, CLUSTER), members));
        assertEquals(false, Authorizer.actsAsManager(new Caller("worker", Role.MANAGER, CLUSTER), members), "state says worker");
        assertEquals(false, Authorizer.actsAsManager(new Caller("manager", Role.WORKER, CLUSTER), members), "certificate says worker");
        assertEquals(false, Authorizer.actsAsManager(new Caller("gone", Role.MANAGER, CLUSTER), members));
    }
}
