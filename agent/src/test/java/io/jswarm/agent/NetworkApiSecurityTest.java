package io.jswarm.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.agent.net.LocalClusterApi;
import io.jswarm.agent.net.RemoteClusterApi;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.manager.api.Authorizer;
import io.jswarm.manager.api.ManagerNode;
import io.jswarm.vxlan.HostPort;
import io.jswarm.proto.cluster.AttachEndpointRequest;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.DetachEndpointRequest;
import io.jswarm.proto.cluster.JoinRequest;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.RemoveNetworkRequest;
import io.jswarm.proto.state.CreateNetwork;
import io.jswarm.proto.state.Endpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The network API over real mutual TLS: a worker's certificate against the Authorizer and the caller rules. */
class NetworkApiSecurityTest {
    @TempDir
    Path dir;
    ManagerNode manager;
    LocalClusterApi local;
    NodeIdentity worker;
    RemoteClusterApi remote;

    @BeforeEach
    void start() throws Exception {
        manager = JoinSecurityTest.startManager(dir.resolve("m"));
        local = new LocalClusterApi(manager);
        HostPort addr = new HostPort("127.0.0.1", manager.port());
        worker = Joiner.join(addr, manager.joinToken(Role.WORKER), JoinRequest.newBuilder().setHostname("w1"),
                Duration.ofSeconds(10)).identity();
        // A dead address first: the client must move on to the live manager.
        remote = new RemoteClusterApi(() -> List.of("127.0.0.1:1", addr.toString()), new IdentityKeyManager(worker),
                Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() throws Exception {
        remote.close();
        manager.close();
    }

    static CreateNetworkRequest create(String name, boolean attachable) {
        return CreateNetworkRequest.newBuilder().setSpec(CreateNetwork.newBuilder().setName(name).setAttachable(attachable)).build();
    }

    @Test
    void aWorkerCannotCreateRemoveOrPrune() {
        local.createNetwork(create("net", false));
        for (Runnable call : List.<Runnable>of(() -> remote.createNetwork(create("x", true)),
                () -> remote.removeNetwork(RemoveNetworkRequest.newBuilder().setNetwork("net").build()),
                remote::pruneNetworks)) {
            Status s = assertThrows(StatusRuntimeException.class, call::run).getStatus();
            assertEquals(Status.Code.PERMISSION_DENIED, s.getCode());
            assertEquals(Authorizer.NOT_A_MANAGER, s.getDescription());
        }
        assertEquals(List.of("net"), local.listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList()
                .stream().map(d -> d.getNetwork().getName()).toList(), "nothing changed");
    }

    @Test
    void aWorkerListsAttachesToAttachableNetworksAndDetachesItsOwnEndpoints() {
        local.createNetwork(create("svc", false));
        local.createNetwork(create("att", true));
        assertEquals(2, remote.listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksCount());
        Status s = assertThrows(StatusRuntimeException.class, () -> remote.attach(AttachEndpointRequest.newBuilder()
                .setNetwork("svc").setName("box").build())).getStatus();
        assertEquals("Could not attach to network svc: rpc error: code = PermissionDenied desc = network svc not "
                + "manually attachable", s.getDescription());
        Endpoint mine = remote.attach(AttachEndpointRequest.newBuilder().setNetwork("att").setName("box").build()).getEndpoint();
        assertEquals(worker.nodeId(), mine.getNodeId(), "owned by the certificate's node");
        assertEquals(List.of(mine), remote.ownEndpoints().getEndpointsList());
        Endpoint managers = local.attach(AttachEndpointRequest.newBuilder().setNetwork("att").setName("m").build()).getEndpoint();
        assertEquals(Status.Code.PERMISSION_DENIED, assertThrows(StatusRuntimeException.class, () -> remote.detach(
                DetachEndpointRequest.newBuilder().setNetwork("att").setEndpointId(managers.getEndpointId()).build()))
                .getStatus().getCode());
        remote.detach(DetachEndpointRequest.newBuilder().setNetwork("att").setEndpointId(mine.getEndpointId()).build());
        assertEquals(0, remote.ownEndpoints().getEndpointsCount());
        assertTrue(manager.view().getNetworksList().stream().allMatch(v -> v.getNetwork().getName().equals("att")
                ? v.getNodeIdsList().equals(List.of(manager.nodeId())) : v.getNodeIdsList().isEmpty()));
    }

    @Test
    void theManagersOwnNodeIsRefusedANetworkThatIsNotAttachableAsEveryNodeIs() {
        local.createNetwork(create("svc", false));
        for (var api : List.of(local, remote)) {
            Status s = assertThrows(StatusRuntimeException.class, () -> api.attach(AttachEndpointRequest.newBuilder()
                    .setNetwork("svc").setName("box").build())).getStatus();
            assertEquals(Status.Code.PERMISSION_DENIED, s.getCode());
            assertEquals("Could not attach to network svc: rpc error: code = PermissionDenied desc = network svc not "
                    + "manually attachable", s.getDescription());
        }
        assertEquals(0, local.listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworks(0).getEndpointsCount());
    }

    @Test
    void aNodeReleasesItsOwnEndpointsOnlyLocallyAndRemotely() {
        local.createNetwork(create("a", true));
        local.createNetwork(create("b", true));
        remote.attach(AttachEndpointRequest.newBuilder().setNetwork("a").setName("w-a").build());
        remote.attach(AttachEndpointRequest.newBuilder().setNetwork("b").setName("w-b").build());
        Endpoint managers = local.attach(AttachEndpointRequest.newBuilder().setNetwork("a").setName("m-a").build()).getEndpoint();
        remote.releaseOwnEndpoints();
        assertEquals(0, remote.ownEndpoints().getEndpointsCount());
        assertEquals(List.of(managers), local.ownEndpoints().getEndpointsList(), "the manager's are not the caller's");
        remote.releaseOwnEndpoints(); // nothing left: still fine
        // The names are free again, for whoever comes next (here the manager's own node).
        local.attach(AttachEndpointRequest.newBuilder().setNetwork("a").setName("w-a").build());
        local.releaseOwnEndpoints();
        assertEquals(0, local.ownEndpoints().getEndpointsCount());
        assertTrue(manager.view().getNetworksList().stream().allMatch(v -> v.getNodeIdsList().isEmpty()));
    }
}
