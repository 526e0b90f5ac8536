package io.jswarm.engine;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.jswarm.proto.cluster.ControlGrpc;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.InfoRequest;
import io.jswarm.proto.cluster.InfoResponse;
import io.jswarm.proto.cluster.InitRequest;
import io.jswarm.proto.cluster.InitResponse;
import io.jswarm.proto.cluster.InspectNodeRequest;
import io.jswarm.proto.cluster.JoinTokenRequest;
import io.jswarm.proto.cluster.JoinTokenResponse;
import io.jswarm.proto.cluster.LeaveRequest;
import io.jswarm.proto.cluster.LeaveResponse;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.ListNetworksResponse;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.ListNodesResponse;
import io.jswarm.proto.cluster.LocalEndpoint;
import io.jswarm.proto.cluster.LocalJoinRequest;
import io.jswarm.proto.cluster.LocalJoinResponse;
import io.jswarm.proto.cluster.NetworkAttachResponse;
import io.jswarm.proto.cluster.NetworkConnectRequest;
import io.jswarm.proto.cluster.NetworkDetail;
import io.jswarm.proto.cluster.NetworkDisconnectRequest;
import io.jswarm.proto.cluster.NetworkDisconnectResponse;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NetworkInspectResponse;
import io.jswarm.proto.cluster.NetworkPeer;
import io.jswarm.proto.cluster.NetworkResponse;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.NodeStatus;
import io.jswarm.proto.cluster.PruneNetworksRequest;
import io.jswarm.proto.cluster.PruneNetworksResponse;
import io.jswarm.proto.cluster.RemoveNetworkRequest;
import io.jswarm.proto.cluster.RemoveNetworkResponse;
import io.jswarm.proto.cluster.RemoveNodeRequest;
import io.jswarm.proto.cluster.RemoveNodeResponse;
import io.jswarm.proto.state.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Control service with a small in-memory swarm (test only): a manager and two workers, networks kept in a
 * map; every call recorded, so tests can check that refused input reached nothing.
 */
final class FakeControl extends ControlGrpc.ControlImplBase {
    final List<Object> calls = new CopyOnWriteArrayList<>();
    final Map<String, io.jswarm.proto.state.Network> networks = new ConcurrentHashMap<>();
    volatile String state = "active";
    volatile boolean manager = true;
    volatile String workerToken = "SWMTKN-1-abc-worker0";

    static NodeInfo node(String id, String host, Role role, boolean leader) {
        return NodeInfo.newBuilder().setId(id).setHostname(host).setRole(role).setLeader(leader)
                .setStatus(NodeStatus.NODE_STATUS_READY).setAddr("192.0.2." + (10 + id.charAt(1) - '0'))
                .setEngineVersion("0.1.0").setJoinedAtMillis(1_700_000_000_000L)
                .setManagerAddr(role == Role.ROLE_MANAGER ? "192.0.2.11:2377" : "").build();
    }

    static final List<NodeInfo> NODES = List.of(node("n1aaaaaaaaaaaaaaaaaaaaaaa", "h1", Role.ROLE_MANAGER, true),
            node("n2bbbbbbbbbbbbbbbbbbbbbbb", "h2", Role.ROLE_WORKER, false),
            node("n3ccccccccccccccccccccccc", "h3", Role.ROLE_WORKER, false));

    private <T> boolean managerOnly(StreamObserver<T> out) {
        if (!manager) {
            out.onError(Status.FAILED_PRECONDITION.withDescription(state.equals("inactive")
                    ? "This node is not a swarm manager. Use \"jswarm init\" or \"jswarm join\" to connect this node to swarm and try again."
                    : "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.")
                    .asRuntimeException());
            return false;
        }
        return true;
    }

    private static <T> void reply(StreamObserver<T> out, T value) {
        out.onNext(value);
        out.onCompleted();
    }

    @Override
    public void info(InfoRequest req, StreamObserver<InfoResponse> out) {
        calls.add(req);
        InfoResponse.Builder b = InfoResponse.newBuilder().setLocalNodeState(state).setEngineVersion("0.1.0")
                .setHostname("h1").setDataRoot("/var/lib/jswarm");
        if (!state.equals("inactive")) {
            b.setNodeId(NODES.getFirst().getId()).setIsManager(manager).setClusterId("cl1").setManagers(1).setNodes(3)
                    .setNodeAddr("192.0.2.11").addManagerAddrs("192.0.2.11:2377").setDataPathPort(4789)
                    .addDefaultAddrPool("10.0.0.0/8").setDefaultAddrPoolMaskLength(24);
        }
        reply(out, b.build());
    }

    @Override
    public void init(InitRequest req, StreamObserver<InitResponse> out) {
        calls.add(req);
        if (state.equals("active")) {
            out.onError(Status.FAILED_PRECONDITION.withDescription("This node is already part of a swarm. Use "
                    + "\"jswarm leave\" to leave this swarm and join another one.").asRuntimeException());
            return;
        }
        state = "active";
        manager = true;
        reply(out, InitResponse.newBuilder().setNodeId(NODES.getFirst().getId()).setWorkerToken(workerToken).build());
    }

    @Override
    public void join(LocalJoinRequest req, StreamObserver<LocalJoinResponse> out) {
        calls.add(req);
        if (!req.getToken().equals(workerToken)) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("A valid join token is necessary to join this cluster")
                    .asRuntimeException());
            return;
        }
        state = "active";
        manager = false;
        reply(out, LocalJoinResponse.newBuilder().setNodeId(NODES.get(1).getId()).setRole(Role.ROLE_WORKER).build());
    }

    @Override
    public void leave(LeaveRequest req, StreamObserver<LeaveResponse> out) {
        calls.add(req);
        state = "inactive";
        manager = false;
        reply(out, LeaveResponse.getDefaultInstance());
    }

    @Override
    public void joinToken(JoinTokenRequest req, StreamObserver<JoinTokenResponse> out) {
        calls.add(req);
        if (managerOnly(out)) {
            if (req.getRotate() && req.getRole() == Role.ROLE_WORKER) {
                workerToken = "SWMTKN-1-abc-worker" + calls.size();
            }
            reply(out, JoinTokenResponse.newBuilder().setToken(req.getRole() == Role.ROLE_WORKER ? workerToken
                    : "SWMTKN-1-abc-manager").setManagerAddr("192.0.2.11:2377").build());
        }
    }

    @Override
    public void listNodes(ListNodesRequest req, StreamObserver<ListNodesResponse> out) {
        calls.add(req);
        if (managerOnly(out)) {
            reply(out, ListNodesResponse.newBuilder().addAllNodes(NODES).setSelfId(NODES.getFirst().getId()).build());
        }
    }

    @Override
    public void inspectNode(InspectNodeRequest req, StreamObserver<NodeInfo> out) {
        calls.add(req);
        if (managerOnly(out)) {
            NODES.stream().filter(n -> n.getId().startsWith(req.getNode()) || n.getHostname().equals(req.getNode()))
                    .findFirst().ifPresentOrElse(n -> reply(out, n), () -> out.onError(Status.NOT_FOUND
                            .withDescription("node " + req.getNode() + " not found").asRuntimeException()));
        }
    }

    @Override
    public void removeNode(RemoveNodeRequest req, StreamObserver<RemoveNodeResponse> out) {
        calls.add(req);
        if (managerOnly(out)) {
            out.onError(Status.FAILED_PRECONDITION.withDescription("node " + req.getNode()
                    + " is not down and can't be removed").asRuntimeException());
        }
    }

    @Override
    public void networkCreate(CreateNetworkRequest req, StreamObserver<NetworkResponse> out) {
        calls.add(req);
        if (!managerOnly(out)) {
            return;
        }
        if (!req.getDriver().isEmpty() && !req.getDriver().equals("overlay")) {
            out.onError(Status.NOT_FOUND.withDescription("plugin \"" + req.getDriver() + "\" not found").asRuntimeException());
            return;
        }
        if (networks.values().stream().anyMatch(n -> n.getName().equals(req.getSpec().getName()))) {
            out.onError(Status.ALREADY_EXISTS.withDescription("network with name " + req.getSpec().getName()
                    + " already exists").asRuntimeException());
            return;
        }
        String id = String.format("%025d", networks.size() + 1);
        var n = io.jswarm.proto.state.Network.newBuilder().setNetworkId(id).setName(req.getSpec().getName())
                .setSubnet(req.getSpec().getSubnet().isEmpty() ? "10.0.1.0/24" : req.getSpec().getSubnet())
                .setGateway("10.0.1.1").setIpRange("10.0.1.0/24").setAttachable(req.getSpec().getAttachable())
                .putAllLabels(req.getSpec().getLabelsMap()).setVni(4097).setCreatedAtMillis(1_700_000_000_000L).build();
        networks.put(id, n);
        reply(out, NetworkResponse.newBuilder().setNetwork(n).build());
    }

    private io.jswarm.proto.state.Network find(String ref) {
        return networks.values().stream().filter(n -> n.getNetworkId().startsWith(ref) || n.getName().equals(ref))
                .findFirst().orElseThrow(() -> Status.NOT_FOUND.withDescription("network " + ref + " not found")
                        .asRuntimeException());
    }

    @Override
    public void networkRemove(RemoveNetworkRequest req, StreamObserver<RemoveNetworkResponse> out) {
        calls.add(req);
        try {
            var n = find(req.getNetwork());
            networks.remove(n.getNetworkId());
            reply(out, RemoveNetworkResponse.newBuilder().setNetworkId(n.getNetworkId()).setName(n.getName()).build());
        } catch (io.grpc.StatusRuntimeException e) {
            out.onError(e);
        }
    }

    @Override
    public void networkPrune(PruneNetworksRequest req, StreamObserver<PruneNetworksResponse> out) {
        calls.add(req);
        List<String> names = new ArrayList<>(networks.values().stream().map(io.jswarm.proto.state.Network::getName).toList());
        networks.clear();
        reply(out, PruneNetworksResponse.newBuilder().addAllNames(names).build());
    }

    @Override
    public void networkList(ListNetworksRequest req, StreamObserver<ListNetworksResponse> out) {
        calls.add(req);
        ListNetworksResponse.Builder b = ListNetworksResponse.newBuilder();
        networks.values().forEach(n -> b.addNetworks(NetworkDetail.newBuilder().setNetwork(n)));
        reply(out, b.build());
    }

    @Override
    public void networkInspect(NetworkInspectRequest req, StreamObserver<NetworkInspectResponse> out) {
        calls.add(req);
        try {
            var n = find(req.getNetwork());
            reply(out, NetworkInspectResponse.newBuilder().setNetwork(n)
                    .addContainers(LocalEndpoint.newBuilder().setEndpointId("ep1").setName("web").setMac("02:42:0a:00:01:02")
                            .setIpv4("10.0.1.2/24"))
                    .addPeers(NetworkPeer.newBuilder().setName("h1").setIp("192.0.2.11")).build());
        } catch (io.grpc.StatusRuntimeException e) {
            out.onError(e);
        }
    }

    @Override
    public void networkConnect(NetworkConnectRequest req, StreamObserver<NetworkAttachResponse> out) {
        calls.add(req);
        try {
            find(req.getNetwork());
            reply(out, NetworkAttachResponse.newBuilder().setSandbox(req.getSandbox()).build());
        } catch (io.grpc.StatusRuntimeException e) {
            out.onError(e);
        }
    }

    @Override
    public void networkDisconnect(NetworkDisconnectRequest req, StreamObserver<NetworkDisconnectResponse> out) {
        calls.add(req);
        reply(out, NetworkDisconnectResponse.getDefaultInstance());
    }
}
