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

    @BeforeEach
    void open() throws Exception {
        ManagerNode.bootstrap(dir, new InitParams("m1", "127.0.0.1", "127.0.0.1:2377", "", 0, List.of(), 24,
                Duration.ofHours(2), "test"), CLOCK);
        m = ManagerNode.open(dir, new ManagerConfig(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1:2377",
                Duration.ofMillis(200), Duration.ofMillis(800), "test"), CLOCK);
        for (String id : List.of(WORKER, OTHER)) {
            m.submit(Command.newBuilder().setAddNode(AddNode.newBuilder().setNodeId(id).setHostname(id.substring(0, 2))
                    .setRole(Role.ROLE_WORKER).setAdvertiseAddr("127.0.0.2")).build());
        }
    }

    @AfterEach
    void close() throws Exception {
        m.close();
    }

    Network create(String name, boolean attachable) {
        return m.createNetwork(CreateNetworkRequest.newBuilder().setDriver("overlay")
                .setSpec(CreateNetwork.newBuilder().setName(name).setAttachable(attachable)).build()).getNetwork();
    }

    Endpoint attach(String node, boolean manager, String net, String name) {
        return m.attachEndpoint(node, manager, AttachEndpointRequest.newBuilder().setNetwork(net).setName(name).build())
                .getEndpoint();
    }

    static Status status(Runnable r) {
        return assertThrows(StatusRuntimeException.class, r::run).getStatus();
    }

    int networkCount() {
        return m.listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksCount();
    }

    @Test
    void createFillsIdTimeSubnetAndVni() {
        Network n = create("web", false);
        assertEquals(25, n.getNetworkId().length());
        assertEquals(CLOCK.millis(), n.getCreatedAtMillis());
        assertEquals("10.0.0.0/24", n.getSubnet());
        assertEquals("10.0.0.1", n.getGateway());
        assertEquals(4097, n.getVni());
        assertEquals(List.of(n), m.listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList().stream()
                .map(d -> d.getNetwork()).toList());
    }

    @Test
    void anotherDriverIsRefusedAsDockerDoes() {
        Status s = status(() -> m.createNetwork(CreateNetworkRequest.newBuilder().setDriver("bridge")
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
        var bad = status(() -> m.createNetwork(CreateNetworkRequest.newBuilder()
                .setSpec(CreateNetwork.newBuilder().setName("x").setSubnet("10.0.0.0/33")).build()));
        assertTrue(bad.getDescription().startsWith("invalid subnet 10.0.0.0/33"), bad.getDescription());
        var overlap = status(() -> m.createNetwork(CreateNetworkRequest.newBuilder()
                .setSpec(CreateNetwork.newBuilder().setName("x").setSubnet("10.0.0.128/25")).build()));
        assertTrue(overlap.getDescription().contains("overlaps with network web"), overlap.getDescription());
        assertEquals(Status.Code.NOT_FOUND, status(() -> m.removeNetwork(RemoveNetworkRequest.newBuilder()
                .setNetwork("nope").build())).getCode());
        assertEquals(1, networkCount());
        assertFalse(status(() -> create("bad\nname", false)).getDescription().contains("\n"));
    }

    @Test
    void removeByNameIdOrPrefixAndRefusedWhileEndpointsAreAttached() {
        Network a = create("a", false);
        Network b = create("b", false);
        assertEquals("a", m.removeNetwork(RemoveNetworkRequest.newBuilder().setNetwork("a").build()).getName());
        assertEquals(b.getNetworkId(), m.removeNetwork(RemoveNetworkRequest.newBuilder()
                .setNetwork(b.getNetworkId().substring(0, 6)).build()).getNetworkId());
        Network c = create("c", false);
        attach(m.nodeId(), true, "c", "box");
        Status s = status(() -> m.removeNetwork(RemoveNetworkRequest.newBuilder().setNetwork(c.getNetworkId()).build()));
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
        attach(WORKER, false, "busy", "box");
        assertEquals(List.of("idle1", "idle2"), m.pruneNetworks().getNamesList());
        assertEquals(List.of(), m.pruneNetworks().getNamesList());
        assertEquals(1, networkCount());
    }

    @Test
    void aWorkerAttachesOnlyToAttachableNetworksAManagerToAny() {
        create("svc", false);
        create("att", true);
        Status s = status(() -> attach(WORKER, false, "svc", "box"));
        assertEquals(Status.Code.PERMISSION_DENIED, s.getCode());
        assertEquals("Could not attach to network svc: rpc error: code = PermissionDenied desc = network svc not "
                + "manually attachable", s.getDescription());
        assertEquals(0, m.listNetworks(ListNetworksRequest.newBuilder().setNetwork("svc").build())
                .getNetworks(0).getEndpointsCount());
        Endpoint e = attach(WORKER, false, "att", "box");
        assertEquals(WORKER, e.getNodeId(), "the caller owns it, whatever it asked");
        assertEquals("10.0.1.2", e.getAddress());
        assertEquals(m.nodeId(), attach(m.nodeId(), true, "svc", "mbox").getNodeId());
        var dup = status(() -> attach(OTHER, false, "att", "box"));
        assertEquals("endpoint with name box already exists in network att", dup.getDescription());
    }

    @Test
    void aWorkerDetachesOnlyItsOwnEndpoints() {
        create("att", true);
        Endpoint mine = attach(WORKER, false, "att", "a");
        Endpoint theirs = attach(OTHER, false, "att", "b");
        Status s = status(() -> m.detachEndpoint(WORKER, false, DetachEndpointRequest.newBuilder().setNetwork("att")
                .setEndpointId(theirs.getEndpointId()).build()));
        assertEquals(Status.Code.PERMISSION_DENIED, s.getCode());
        m.detachEndpoint(WORKER, false, DetachEndpointRequest.newBuilder().setNetwork("att")
                .setEndpointId(mine.getEndpointId()).build());
        m.detachEndpoint(m.nodeId(), true, DetachEndpointRequest.newBuilder().setNetwork("att")
                .setEndpointId(theirs.getEndpointId()).build());
        assertEquals(Status.Code.NOT_FOUND, status(() -> m.detachEndpoint(WORKER, false, DetachEndpointRequest
                .newBuilder().setNetwork("att").setEndpointId(mine.getEndpointId()).build())).getCode());
        assertEquals(0, m.listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworks(0).getEndpointsCount());
    }

    @Test
    void ownEndpointsAreTheCallersWithTheirNetworks() {
        create("a", true);
        Network b = create("b", true);
        create("c", true);
        Endpoint e = attach(WORKER, false, "b", "x");
        attach(OTHER, false, "a", "y");
        var own = m.ownEndpoints(WORKER);
        assertEquals(List.of(e), own.getEndpointsList());
        assertEquals(List.of(b), own.getNetworksList());
        assertEquals(0, m.ownEndpoints(m.nodeId()).getEndpointsCount());
    }

    @Test
    void theViewCarriesEveryNetworkWithItsSortedParticipants() {
        create("a", true);
        create("b", true);
        attach(WORKER, false, "a", "x");
        attach(OTHER, false, "a", "y");
        attach(WORKER, false, "a", "z");
        List<NetworkView> views = m.view().getNetworksList();
        assertEquals(List.of("a", "b"), views.stream().map(v -> v.getNetwork().getName()).toList());
        assertEquals(List.of(OTHER, WORKER), views.get(0).getNodeIdsList());
        assertEquals(List.of(), views.get(1).getNodeIdsList());
    }
}
