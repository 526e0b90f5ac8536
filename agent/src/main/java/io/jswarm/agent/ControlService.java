package io.jswarm.agent;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.jswarm.manager.api.ManagerNode;
import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.ListNetworksResponse;
import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.cluster.NetworkAttachResponse;
import io.jswarm.proto.cluster.NetworkConnectRequest;
import io.jswarm.proto.cluster.NetworkDetachRequest;
import io.jswarm.proto.cluster.NetworkDisconnectRequest;
import io.jswarm.proto.cluster.NetworkDisconnectResponse;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NetworkInspectResponse;
import io.jswarm.proto.cluster.NetworkResponse;
import io.jswarm.proto.cluster.PruneNetworksRequest;
import io.jswarm.proto.cluster.PruneNetworksResponse;
import io.jswarm.proto.cluster.RemoveNetworkRequest;
import io.jswarm.proto.cluster.RemoveNetworkResponse;
import io.jswarm.proto.cluster.ControlGrpc;
import io.jswarm.proto.cluster.InfoRequest;
import io.jswarm.proto.cluster.InfoResponse;
import io.jswarm.proto.cluster.InitRequest;
import io.jswarm.proto.cluster.InitResponse;
import io.jswarm.proto.cluster.InspectNodeRequest;
import io.jswarm.proto.cluster.JoinTokenRequest;
import io.jswarm.proto.cluster.JoinTokenResponse;
import io.jswarm.proto.cluster.LeaveRequest;
import io.jswarm.proto.cluster.LeaveResponse;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.ListNodesResponse;
import io.jswarm.proto.cluster.LocalJoinRequest;
import io.jswarm.proto.cluster.LocalJoinResponse;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.RemoveNodeRequest;
import io.jswarm.proto.cluster.RemoveNodeResponse;
import io.jswarm.proto.state.Role;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The local control API the CLI calls; thin: every decision lives in {@link Daemon} or the manager. */
final class ControlService extends ControlGrpc.ControlImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(ControlService.class);
    private final Daemon daemon;

    ControlService(Daemon daemon) {
        this.daemon = daemon;
    }

    @FunctionalInterface
    private interface Call<T> {
        T get() throws Exception;
    }

    /** Runs {@code call} and maps failures to statuses the CLI can print as one line. */
    private static <T> void answer(StreamObserver<T> out, String what, Call<T> call) {
        T value;
        try {
            value = call.get();
        } catch (StatusRuntimeException e) {
            out.onError(DaemonAnswered.mark(e)); // trailers kept (e.g. ManagerUnreachable's)
            return;
        } catch (IllegalArgumentException e) {
            out.onError(DaemonAnswered.mark(Status.INVALID_ARGUMENT.withDescription(e.getMessage())));
            return;
        } catch (Exception e) {
            LOG.error("control call failed call={} error={}", what, e.toString(), e);
            out.onError(DaemonAnswered.mark(Status.INTERNAL.withDescription(what + " failed: " + e.getMessage())));
            return;
        }
        out.onNext(value);
        out.onCompleted();
    }

    @Override
    public void init(InitRequest req, StreamObserver<InitResponse> out) {
        answer(out, "init", () -> daemon.init(req));
    }

    @Override
    public void join(LocalJoinRequest req, StreamObserver<LocalJoinResponse> out) {
        answer(out, "join", () -> daemon.join(req));
    }

    @Override
    public void leave(LeaveRequest req, StreamObserver<LeaveResponse> out) {
        answer(out, "leave", () -> {
            daemon.leave(req.getForce());
            return LeaveResponse.getDefaultInstance();
        });
    }

    @Override
    public void joinToken(JoinTokenRequest req, StreamObserver<JoinTokenResponse> out) {
        answer(out, "join-token", () -> {
            ManagerNode m = daemon.requireManager();
            io.jswarm.encryption.Role role = req.getRole() == Role.ROLE_MANAGER ? io.jswarm.encryption.Role.MANAGER
                    : io.jswarm.encryption.Role.WORKER;
            var token = req.getRotate() ? m.rotateJoinToken(role) : m.joinToken(role);
            return JoinTokenResponse.newBuilder().setToken(token.value()).setManagerAddr(m.managerAddr()).build();
        });
    }

    @Override
    public void listNodes(ListNodesRequest req, StreamObserver<ListNodesResponse> out) {
        answer(out, "node ls", () -> {
            return daemon.requireManager().listNodes(); // any manager answers; flagged when it may be stale
        });
    }

    @Override
    public void inspectNode(InspectNodeRequest req, StreamObserver<NodeInfo> out) {
        answer(out, "node inspect", () -> {
            ManagerNode m = daemon.requireManager();
            return m.inspect(req.getNode().equals("self") ? m.nodeId() : req.getNode());
        });
    }

    @Override
    public void removeNode(RemoveNodeRequest req, StreamObserver<RemoveNodeResponse> out) {
        answer(out, "node rm", () -> RemoveNodeResponse.newBuilder()
                .setNodeId(daemon.removeNode(req.getNode(), req.getForce())).build());
    }

    @Override
    public void promoteNode(io.jswarm.proto.cluster.PromoteNodeRequest req,
                            StreamObserver<io.jswarm.proto.cluster.PromoteNodeResponse> out) {
        answer(out, "node promote", () -> daemon.requireManager().promote(req.getNode()));
    }

    @Override
    public void demoteNode(io.jswarm.proto.cluster.DemoteNodeRequest req,
                           StreamObserver<io.jswarm.proto.cluster.DemoteNodeResponse> out) {
        answer(out, "node demote", () -> daemon.requireManager().demote(req.getNode()));
    }

    @Override
    public void members(io.jswarm.proto.cluster.MembersRequest req,
                        StreamObserver<io.jswarm.proto.cluster.MembersResponse> out) {
        answer(out, "node members", daemon::members);
    }

    @Override
    public void info(InfoRequest req, StreamObserver<InfoResponse> out) {
        answer(out, "info", () -> info(daemon));
    }

    // ---- networks: cluster-wide calls go to the manager (ClusterApi), local ones to the NetworkAgent ----

    @Override
    public void networkCreate(CreateNetworkRequest req, StreamObserver<NetworkResponse> out) {
        answer(out, "network create", () -> {
            daemon.requireManager(); // Docker's "not a manager" text on a worker, before any remote call
            return daemon.clusterApi().createNetwork(req);
        });
    }

    @Override
    public void networkRemove(RemoveNetworkRequest req, StreamObserver<RemoveNetworkResponse> out) {
        answer(out, "network rm", () -> {
            daemon.requireManager();
            return daemon.clusterApi().removeNetwork(req);
        });
    }

    @Override
    public void networkPrune(PruneNetworksRequest req, StreamObserver<PruneNetworksResponse> out) {
        answer(out, "network prune", () -> {
            daemon.requireManager();
            return daemon.clusterApi().pruneNetworks();
        });
    }

    @Override
    public void networkList(ListNetworksRequest req, StreamObserver<ListNetworksResponse> out) {
        answer(out, "network ls", () -> daemon.clusterApi().listNetworks(req));
    }

    @Override
    public void networkRotateKeys(io.jswarm.proto.cluster.RotateDataKeysRequest req,
                                  StreamObserver<io.jswarm.proto.cluster.RotateDataKeysResponse> out) {
        answer(out, "network rotate-keys", () -> {
            ManagerNode m = daemon.requireManager(); // a worker: Docker's "not a swarm manager"
            return m.api().rotateDataKeys(m.self(), req);
        });
    }

    @Override
    public void networkInspect(NetworkInspectRequest req, StreamObserver<NetworkInspectResponse> out) {
        answer(out, "network inspect", () -> daemon.networkAgent().inspect(req));
    }

    @Override
    public void networkAttach(NetworkAttachRequest req, StreamObserver<NetworkAttachResponse> out) {
        answer(out, "network attach", () -> daemon.networkAgent().attach(req));
    }

    @Override
    public void networkConnect(NetworkConnectRequest req, StreamObserver<NetworkAttachResponse> out) {
        answer(out, "network connect", () -> daemon.networkAgent().connect(req));
    }

    @Override
    public void networkDisconnect(NetworkDisconnectRequest req, StreamObserver<NetworkDisconnectResponse> out) {
        answer(out, "network disconnect", () -> daemon.networkAgent().disconnect(req));
    }

    @Override
    public void networkDetach(NetworkDetachRequest req, StreamObserver<NetworkDisconnectResponse> out) {
        answer(out, "network detach", () -> daemon.networkAgent().detach(req));
    }

    static InfoResponse info(Daemon daemon) {
        InfoResponse.Builder b = InfoResponse.newBuilder().setEngineVersion(Version.VALUE)
                .setDataRoot(daemon.config().dataRoot().toString()).setHostname(daemon.config().hostname());
        switch (daemon.mode()) {
            case Daemon.Mode.Inactive i -> b.setLocalNodeState("inactive");
            case Daemon.Mode.Manager m -> {
                try {
                    fill(b, m.manager().view());
                } catch (StatusRuntimeException e) {
                    b.setClusterId(m.manager().clusterId()); // a joining manager before its state arrived
                }
                ManagerInfo.fill(b, m.manager());
                b.setLocalNodeState("active").setIsManager(true).setNodeId(m.state().getNodeId())
                        .setNodeAddr(m.state().getAdvertiseAddr())
                        .setCertificateExpiryMillis(m.manager().identity().expiresAt().toEpochMilli());
            }
            case Daemon.Mode.Worker w -> {
                w.session().view().ifPresent(v -> fill(b, v));
                b.setNodeId(w.state().getNodeId()).setClusterId(w.state().getClusterId())
                        .setCertificateExpiryMillis(w.keys().identity().expiresAt().toEpochMilli());
                if (b.getManagerAddrsCount() == 0) {
                    b.addAllManagerAddrs(w.state().getManagerAddrsList());
                }
                String addr = w.session().view().flatMap(v -> v.getNodesList().stream()
                        .filter(n -> n.getId().equals(w.state().getNodeId())).findFirst()).map(NodeInfo::getAddr)
                        .orElse(w.state().getAdvertiseAddr());
                b.setNodeAddr(addr);
                if (w.session().revoked()) {
                    b.setLocalNodeState("error").setError(w.session().error().orElse(""));
                } else if (w.session().connected()) {
                    b.setLocalNodeState("active");
                } else {
                    b.setLocalNodeState("pending").setError(w.session().error().orElse("connecting to the manager"));
                }
            }
        }
        return b.build();
    }

    private static void fill(InfoResponse.Builder b, ClusterView v) {
        b.setClusterId(v.getClusterId()).setNodes(v.getNodesCount())
                .setManagers((int) v.getNodesList().stream().filter(n -> n.getRole() == Role.ROLE_MANAGER).count())
                .addAllManagerAddrs(v.getManagerAddrsList()).setDataPathPort(v.getDataPathPort())
                .addAllDefaultAddrPool(v.getDefaultAddressPool().getCidrsList())
                .setDefaultAddrPoolMaskLength(v.getDefaultAddressPool().getMaskLength());
    }
}
