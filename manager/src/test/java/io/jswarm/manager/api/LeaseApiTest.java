package io.jswarm.manager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Grants;
import io.jswarm.proto.cluster.LeaseAddress;
import io.jswarm.proto.cluster.LeaseClaimRequest;
import io.jswarm.proto.cluster.LeaseClaimResponse;
import io.jswarm.proto.cluster.LeaseGrantRequest;
import io.jswarm.proto.cluster.LeaseGrantResponse;
import io.jswarm.proto.cluster.LeaseReturnRequest;
import io.jswarm.proto.cluster.OwnEndpointsRequest;
import io.jswarm.proto.state.Snapshot;
import io.jswarm.proto.table.EndpointGrant;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12: the lease calls as the Dispatcher serves them: the caller's node only, attachable networks only. */
class LeaseApiTest {
    private final NetworkApiTest base = new NetworkApiTest();
    private final ByteString key = ByteString.copyFrom(CertificateAuthority.newKeyPair().getPublic().getEncoded());
    @TempDir
    Path dir;
    private ManagerApi api;
    private ManagerNode m;

    @BeforeEach
    void open() throws Exception {
        base.dir = dir;
        base.open();
        api = base.api;
        m = base.m;
        base.create("att", true);
        base.create("closed", false);
    }

    @AfterEach
    void close() throws Exception {
        base.close();
    }

    private LeaseGrantResponse lease(Caller c, String net, int count) {
        return api.leaseGrant(c, LeaseGrantRequest.newBuilder().setNetwork(net).setCount(count).setOwnerKey(key).build());
    }

    private LeaseClaimResponse claim(Caller c, String net, String address, String name) {
        return api.leaseClaim(c, LeaseClaimRequest.newBuilder().setNetwork(net).setAddress(address).setName(name)
                .setOwnerKey(key).build());
    }

    private Snapshot state() {
        return m.store().snapshot().toBuilder().clearLastAppliedIndex().build();
    }

    private EndpointGrant verified(io.jswarm.proto.table.SignedGrant sg) throws Exception {
        assertTrue(Grants.verifyGrant(m.ca().certificate().getPublicKey(), sg.getGrant().toByteArray(),
                sg.getCaSignature().toByteArray()));
        return EndpointGrant.parseFrom(sg.getGrant());
    }

    @Test
    void aGrantLeasesAddressesToTheCallerWithSignedLeaseGrants() throws Exception {
        LeaseGrantResponse r = lease(base.worker, "att", 3);
        assertEquals(3, r.getLeasesCount());
        assertEquals(5, lease(base.worker, "att", 2).getLeasesCount()); // every address held, not only the new ones
        LeaseAddress l = r.getLeases(0);
        EndpointGrant g = verified(l.getGrant());
        assertTrue(g.getLease());
        assertEquals(List.of(NetworkApiTest.WORKER, l.getEndpointId(), "", r.getNetwork().getNetworkId()),
                List.of(g.getOwnerNode(), g.getEndpointId(), g.getName(), g.getNetworkId()));
        assertEquals(l.getGrantedIndex(), g.getAllocationIndex());
        assertEquals(key, g.getOwnerKey());
        // What the node can read of itself lists them; another node sees none of them.
        var own = api.ownEndpoints(base.worker, OwnEndpointsRequest.newBuilder().setOwnerKey(key).build());
        assertEquals(5, own.getLeasesCount());
        assertEquals("att", own.getNetworks(0).getName());
        assertEquals(0, api.ownEndpoints(base.other).getLeasesCount());
        // The view: the holder is a participant, and its leased endpoint ids are marked (their names are provisional).
        var nv = Networks.views(m.store().view()).stream().filter(v -> v.getNetwork().getName().equals("att"))
                .findFirst().orElseThrow();
        assertEquals(List.of(NetworkApiTest.WORKER), nv.getNodeIdsList());
        assertEquals(5, nv.getLeasedEndpointIdsCount());
        assertTrue(nv.getLeasedEndpointIdsList().contains(l.getEndpointId()));
    }

    @Test
    void badRequestsAndClosedNetworksAreRefusedAndChangeNothing() {
        Snapshot before = state();
        assertEquals(Status.Code.INVALID_ARGUMENT, NetworkApiTest.status(() -> lease(base.worker, "att", 0)).getCode());
        assertEquals(Status.Code.INVALID_ARGUMENT, NetworkApiTest.status(() -> lease(base.worker, "att", 9)).getCode());
        Status closed = NetworkApiTest.status(() -> lease(base.worker, "closed", 1));
        assertEquals(Status.Code.PERMISSION_DENIED, closed.getCode());
        assertEquals("Could not lease addresses on network closed: network closed not manually attachable",
                closed.getDescription());
        assertEquals(Status.Code.PERMISSION_DENIED, NetworkApiTest.status(() -> lease(base.self, "closed", 1)).getCode());
        assertEquals(Status.Code.NOT_FOUND, NetworkApiTest.status(() -> lease(base.worker, "nope", 1)).getCode());
        assertEquals(Status.Code.INVALID_ARGUMENT, NetworkApiTest.status(() -> api.leaseGrant(base.worker,
                LeaseGrantRequest.newBuilder().setNetwork("att").setCount(1).setOwnerKey(ByteString.copyFromUtf8("x"))
                        .build())).getCode());
        assertEquals(before, state());
    }

    @Test
    void aNodeCannotClaimOrReturnAnotherNodesLease() throws Exception {
        LeaseAddress l = lease(base.worker, "att", 2).getLeases(0);
        Snapshot before = state();
        Status s = NetworkApiTest.status(() -> claim(base.other, "att", l.getAddress(), "stolen"));
        assertEquals(Status.Code.FAILED_PRECONDITION, s.getCode());
        assertEquals("address " + l.getAddress() + " is not leased to node " + NetworkApiTest.OTHER, s.getDescription());
        // A manager has no more rights over another node's lease than anyone: the lease is its holder's.
        assertEquals(Status.Code.FAILED_PRECONDITION, NetworkApiTest.status(() -> claim(base.self, "att", l.getAddress(),
                "stolen")).getCode());
        assertEquals(0, api.leaseReturn(base.other, LeaseReturnRequest.newBuilder().setNetwork("att")
                .addAddresses(l.getAddress()).build()).getReturnedCount());
        assertEquals(before, state());
        assertEquals(Status.Code.INVALID_ARGUMENT, NetworkApiTest.status(() -> claim(base.worker, "att", l.getAddress(),
                "bad name!")).getCode());
        assertEquals(before, state());
    }

    @Test
    void theHoldersClaimBecomesItsEndpointWithAGrantThatSupersedesTheLeaseGrant() throws Exception {
        LeaseAddress l = lease(base.worker, "att", 2).getLeases(1);
        LeaseClaimResponse c = claim(base.worker, "att", l.getAddress(), "box");
        assertEquals(List.of(l.getEndpointId(), l.getAddress(), NetworkApiTest.WORKER, "box"), List.of(
                c.getEndpoint().getEndpointId(), c.getEndpoint().getAddress(), c.getEndpoint().getNodeId(),
                c.getEndpoint().getName()));
        EndpointGrant g = verified(c.getGrant());
        assertTrue(!g.getLease() && g.getName().equals("box"));
        assertTrue(g.getAllocationIndex() > l.getGrantedIndex(), "the claim's grant wins over the lease grant");
        assertEquals(List.of(c.getEndpoint()), api.ownEndpoints(base.worker).getEndpointsList());
        assertEquals(1, api.ownEndpoints(base.worker).getLeasesCount());
        var back = api.leaseReturn(base.worker, LeaseReturnRequest.newBuilder().setNetwork("att")
                .addAddresses(l.getAddress()).addAddresses(lease(base.worker, "att", 1).getLeases(0).getAddress()).build());
        assertEquals(1, back.getReturnedCount()); // the claimed one is an endpoint now, not a lease
    }

    @Test
    void aRemovedNodesLeasesAreFreedAndItsCallsRefused() {
        lease(base.worker, "att", 3);
        m.remove(NetworkApiTest.WORKER, true);
        assertEquals(0, m.store().view().leases().size());
        assertEquals(Status.Code.PERMISSION_DENIED, NetworkApiTest.status(() -> lease(base.worker, "att", 1)).getCode());
    }
}
