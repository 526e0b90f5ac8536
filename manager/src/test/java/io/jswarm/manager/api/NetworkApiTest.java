package io.jswarm.manager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.proto.cluster.AttachEndpointRequest;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.DetachEndpointRequest;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.NetworkView;
import io.jswarm.proto.cluster.RemoveNetworkRequest;
import io.jswarm.manager.state.Applied;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.CreateNetwork;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.Network;
import io.jswarm.proto.state.Role;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manager's network API in process (no port): resolution, caller rules, refusals, the view. */
class NetworkApiTest {
    static final String WORKER = "w".repeat(25);
    static final String OTHER = "o".repeat(25);
    static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-11-23T03:00:00Z"));

    @TempDir
    Path dir;
    ManagerNode m;
    ManagerApi api;
    Caller self;
    Caller worker;
    Caller other;

    @BeforeEach
    void open() throws Exception {
        ManagerNode.bootstrap(dir, new InitParams("m1", "127.0.0.1", "127.0.0.1:2377", "", 0, List.of(), 24,
                Duration.ofHours(2), "test"), CLOCK);
        m = ManagerNode.open(dir, new ManagerConfig(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1:2377",
                Duration.ofMillis(200), Duration.ofMillis(800), "test"), CLOCK);
        for (String id : List.of(WORKER, OTHER)) {
            m.submit(Command.newBuilder().setAddNode(AddNode.newBuilder().setNodeId(id).setHostname(id.substring(0, 2))
                    .setRole(Role.ROLE_WORKER).setAdvertiseAddr("127.0.0.2")).build(), Applied.NodeAdded.class);
        }
        api = m.api();
        self = m.self();
        worker = new Caller(WORKER, io.jswarm.encryption.Role.WORKER, m.clusterId());
        other = new Caller(OTHER, io.jswarm.encryption.Role.WORKER, m.clusterId());
    }

    @AfterEach
    void close() throws Exception {
        m.close();
    }

    Network create(String name, boolean attachable) {
        return api.createNetwork(self, CreateNetworkRequest.newBuilder().setDriver("overlay")
                .setSpec(CreateNetwork.newBuilder().setName(name).setAttachable(attachable)).build()).getNetwork();
    }

    Endpoint attach(Caller caller, String net, String name) {
        return api.attach(caller, AttachEndpointRequest.newBuilder().setNetwork(net).setName(name).build()).getEndpoint();
    }

    static Status status(Runnable r) {
        return assertThrows(StatusRuntimeException.class, r::run).getStatus();
    }

    int networkCount() {
        return api.listNetworks(self, ListNetworksRequest.getDefaultInstance()).getNetworksCount();
    }

    @Test
    void createFillsIdTimeSubnetAndVni() {
        Network n = create("web", false);
        assertEquals(25, n.getNetworkId().length());
        assertEquals(CLOCK.millis(), n.getCreatedAtMillis());
        assertEquals("10.0.0.0/24", n.getSubnet());
        assertEquals("10.0.0.1", n.getGateway());
        assertEquals(4097, n.getVni());
        assertEquals(List.of(n), api.listNetworks(self, ListNetworksRequest.getDefaultInstance()).getNetworksList().stream()
                .map(d -> d.getNetwork()).toList());
    }

    @Test
    void anotherDriverIsRefusedAsDockerDoes() {
        Status s = status(() -> api.createNetwork(self, CreateNetworkRequest.newBuilder().setDriver("bridge")
                .setSpec(CreateNetwork.newBuilder().setName("x")).build()));
        assertEquals("plugin \"bridge\" not found", s.getDescription());
        assertEquals(0, networkCount());
    }

    @Test
    void refusalsAreOneLineAndChangeNothing() {
        create("web", false);
        var dup = status(() -> create("web", false));
        assertEquals(Status.Code.FAILED_PRECONDITION, dup.getCode());
        assertEquals("network with name web already exists", dup.getDescription());
        var bad = status(() -> api.createNetwork(self, CreateNetworkRequest.newBuilder()
                .setSpec(CreateNetwork.newBuilder().setName("x").setSubnet("10.0.0.0/33")).build()));
        assertTrue(bad.getDescription().startsWith("invalid subnet 10.0.0.0/33"), bad.getDescription());
        var overlap = status(() -> api.createNetwork(self, CreateNetworkRequest.newBuilder()
                .setSpec(CreateNetwork.newBuilder().setName("x").setSubnet("10.0.0.128/25")).build()));
        assertTrue(overlap.getDescription().contains("overlaps with network web"), overlap.getDescription());
        assertEquals(Status.Code.NOT_FOUND, status(() -> api.removeNetwork(self, RemoveNetworkRequest.newBuilder()
                .setNetwork("nope").build())).getCode());
        assertEquals(1, networkCount());
        assertFalse(status(() -> create("bad\nname", false)).getDescription().contains("\n"));
    }

    @Test
    void removeByNameIdOrPrefixAndRefusedWhileEndpointsAreAttached() {
        Network a = create("a", false);
        Network b = create("b", false);
        assertEquals("a", api.removeNetwork(self, RemoveNetworkRequest.newBuilder().setNetwork("a").build()).getName());
        assertEquals(b.getNetworkId(), api.removeNetwork(self, RemoveNetworkRequest.newBuilder()
                .setNetwork(b.getNetworkId().substring(0, 6)).build()).getNetworkId());
        Network c = create("c", true);
        attach(self, "c", "box");
        Status s = status(() -> api.removeNetwork(self, RemoveNetworkRequest.newBuilder().setNetwork(c.getNetworkId()).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, s.getCode());
        assertTrue(s.getDescription().startsWith("error while removing network: network c id " + c.getNetworkId()
                + " has active endpoints"), s.getDescription());
        assertEquals(1, networkCount());
        assertFalse(a.getNetworkId().isEmpty());
    }

    @Test
    void pruneRemovesOnlyNetworksWithoutEndpoints() {
        create("idle1", false);
        create("busy", true);
        create("idle2", false);
        attach(worker, "busy", "box");
        assertEquals(List.of("idle1", "idle2"), api.pruneNetworks(self).getNamesList());
        assertEquals(List.of(), api.pruneNetworks(self).getNamesList());
        assertEquals(1, networkCount());
    }

    @Test
    void nobodyAttachesToANetworkThatIsNotAttachableNotEvenTheManager() {
        create("svc", false);
        create("att", true);
        for (Caller caller : List.of(worker, self)) {
            Status s = status(() -> attach(caller, "svc", "box"));
            assertEquals(Status.Code.PERMISSION_DENIED, s.getCode(), caller.nodeId());
            assertEquals("Could not attach to network svc: rpc error: code = PermissionDenied desc = network svc not "
                    + "manually attachable", s.getDescription());
        }
        assertEquals(0, api.listNetworks(self, ListNetworksRequest.newBuilder().setNetwork("svc").build())
                .getNetworks(0).getEndpointsCount());
        Endpoint e = attach(worker, "att", "box");
        assertEquals(WORKER, e.getNodeId(), "the caller owns it, whatever it asked");
        assertEquals("10.0.1.2", e.getAddress());
        assertEquals(m.nodeId(), attach(self, "att", "mbox").getNodeId());
        var dup = status(() -> attach(other, "att", "box"));
        assertEquals("endpoint with name box already exists in network att", dup.getDescription());
    }

    @Test
    void theApiAuthorisesEveryCallerAsTheDispatcherWould() {
        create("att", true);
        for (Runnable call : List.<Runnable>of(() -> api.createNetwork(worker, CreateNetworkRequest.newBuilder()
                .setSpec(CreateNetwork.newBuilder().setName("x")).build()), () -> api.pruneNetworks(worker),
                () -> api.removeNetwork(worker, RemoveNetworkRequest.newBuilder().setNetwork("att").build()))) {
            Status s = status(call);
            assertEquals(Status.Code.PERMISSION_DENIED, s.getCode());
            assertEquals(Authorizer.NOT_A_MANAGER, s.getDescription());
        }
        // A worker's certificate claiming the manager role is no manager: the state says worker.
        Caller forged = new Caller(WORKER, io.jswarm.encryption.Role.MANAGER, m.clusterId());
        assertEquals(Status.Code.PERMISSION_DENIED, status(() -> api.pruneNetworks(forged)).getCode());
        Caller stranger = new Caller("s".repeat(25), io.jswarm.encryption.Role.WORKER, m.clusterId());
        assertEquals(Status.Code.PERMISSION_DENIED, status(() -> attach(stranger, "att", "x")).getCode());
        Caller otherSwarm = new Caller(WORKER, io.jswarm.encryption.Role.WORKER, "c".repeat(25));
        assertEquals(Status.Code.UNAUTHENTICATED, status(() -> api.ownEndpoints(otherSwarm)).getCode());
        assertEquals(1, networkCount(), "nothing changed");
        assertEquals(0, api.ownEndpoints(worker).getEndpointsCount());
    }

    @Test
    void aNodeReleasesAllItsOwnEndpointsAndNoOneElses() {
        create("a", true);
        create("b", true);
        Endpoint wa = attach(worker, "a", "wa");
        Endpoint wb = attach(worker, "b", "wb");
        Endpoint oa = attach(other, "a", "oa");
        Endpoint ma = attach(self, "a", "ma");
        assertEquals(List.of(wa, wb), api.releaseOwnEndpoints(worker).getEndpointsList());
        assertEquals(0, api.ownEndpoints(worker).getEndpointsCount());
        assertEquals(List.of(oa), api.ownEndpoints(other).getEndpointsList(), "another worker's stay");
        assertEquals(List.of(ma), api.ownEndpoints(self).getEndpointsList(), "the manager's stay");
        // The names are free at once: a node that left and joined again (a new id) reuses them.
        assertEquals("wa", attach(other, "a", "wa").getName());
        assertEquals("wb", attach(other, "b", "wb").getName());
        long index = m.view().getStateIndex();
        assertEquals(0, api.releaseOwnEndpoints(worker).getEndpointsCount());
        assertEquals(index, m.view().getStateIndex(), "nothing to release writes nothing");
        Caller stranger = new Caller("s".repeat(25), io.jswarm.encryption.Role.WORKER, m.clusterId());
        assertEquals(Status.Code.PERMISSION_DENIED, status(() -> api.releaseOwnEndpoints(stranger)).getCode());
        assertEquals(List.of(ma), api.releaseOwnEndpoints(self).getEndpointsList());
        assertEquals(List.of(List.of(OTHER), List.of(OTHER)), m.view().getNetworksList().stream()
                .map(NetworkView::getNodeIdsList).toList());
    }

    @Test
    void aViewIsBuiltFromOneStateAndCarriesItsIndex() {
        create("early", true);
        long before = m.view().getStateIndex();
        // A health source that writes while the view is being built: the worst moment a concurrent
        // writer can pick (between reading the nodes and reading the networks).
        java.util.concurrent.atomic.AtomicBoolean wrote = new java.util.concurrent.atomic.AtomicBoolean();
        m.addHealthSource(nodeId -> {
            if (wrote.compareAndSet(false, true)) {
                create("late", true);
                attach(worker, "early", "box");
            }
            return NodeHealth.Liveness.UNKNOWN;
        });
        var torn = m.view();
        assertTrue(wrote.get());
        assertEquals(before, torn.getStateIndex());
        assertEquals(List.of("early"), torn.getNetworksList().stream().map(v -> v.getNetwork().getName()).toList(),
                "no network from a later state");
        assertEquals(List.of(), torn.getNetworks(0).getNodeIdsList(), "no endpoint from a later state");
        var next = m.view();
        // Two commands later (Ratis' own configuration entries may sit between them: the index only grows).
        assertTrue(next.getStateIndex() >= before + 2, "index " + next.getStateIndex() + " after " + before);
        assertEquals(List.of("early", "late"), next.getNetworksList().stream().map(v -> v.getNetwork().getName()).toList());
        assertEquals(List.of(WORKER), next.getNetworks(0).getNodeIdsList());
    }

    @Test
    void aWorkerDetachesOnlyItsOwnEndpoints() {
        create("att", true);
        Endpoint mine = attach(worker, "att", "a");
        Endpoint theirs = attach(other, "att", "b");
        Status s = status(() -> api.detach(worker, DetachEndpointRequest.newBuilder().setNetwork("att")
                .setEndpointId(theirs.getEndpointId()).build()));
        assertEquals(Status.Code.PERMISSION_DENIED, s.getCode());
        api.detach(worker, DetachEndpointRequest.newBuilder().setNetwork("att")
                .setEndpointId(mine.getEndpointId()).build());
        api.detach(self, DetachEndpointRequest.newBuilder().setNetwork("att")
                .setEndpointId(theirs.getEndpointId()).build());
        assertEquals(Status.Code.NOT_FOUND, status(() -> api.detach(worker, DetachEndpointRequest
                .newBuilder().setNetwork("att").setEndpointId(mine.getEndpointId()).build())).getCode());
        assertEquals(0, api.listNetworks(self, ListNetworksRequest.getDefaultInstance()).getNetworks(0).getEndpointsCount());
    }

    @Test
    void ownEndpointsAreTheCallersWithTheirNetworks() {
        create("a", true);
        Network b = create("b", true);
        create("c", true);
        Endpoint e = attach(worker, "b", "x");
        attach(other, "a", "y");
        var own = api.ownEndpoints(worker);
        assertEquals(List.of(e), own.getEndpointsList());
        assertEquals(List.of(b), own.getNetworksList());
        assertEquals(0, api.ownEndpoints(self).getEndpointsCount());
    }

    /**
     * A call whose caller gave up while it waited for a handler thread writes nothing: its agent took the missing
     * answer as "maybe", and a write started now would commit after that agent's orphan checks looked.
     */
    @Test
    void aCallWhoseCallerGaveUpWritesNothing() throws Exception {
        create("att", true);
        io.grpc.Context.CancellableContext gone = io.grpc.Context.current().withCancellation();
        gone.cancel(null);
        Status s = gone.call(() -> status(() -> attach(worker, "att", "box")));
        assertEquals(Status.Code.CANCELLED, s.getCode());
        assertEquals(0, api.ownEndpoints(worker).getEndpointsCount());
        assertFalse(api.ownEndpoints(worker).getPossiblyStale(), "a lone manager's state is confirmed");
        assertEquals("10.0.0.2", attach(worker, "att", "box").getAddress(), "no address was taken");
    }

    @Test
    void theViewCarriesEveryNetworkWithItsSortedParticipants() {
        create("a", true);
        create("b", true);
        attach(worker, "a", "x");
        attach(other, "a", "y");
        attach(worker, "a", "z");
        List<NetworkView> views = m.view().getNetworksList();
        assertEquals(List.of("a", "b"), views.stream().map(v -> v.getNetwork().getName()).toList());
        assertEquals(List.of(OTHER, WORKER), views.get(0).getNodeIdsList());
        assertEquals(List.of(), views.get(1).getNodeIdsList());
    }
}
