package io.jswarm.cli.cni;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.cli.cluster.DaemonClient;
import io.jswarm.cli.cluster.DaemonHost;
import io.jswarm.proto.cluster.InfoRequest;
import io.jswarm.proto.cluster.NetworkAttachResponse;
import io.jswarm.proto.cluster.NetworkConnectRequest;
import io.jswarm.proto.cluster.NetworkDisconnectRequest;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NetworkInspectResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** {@link CniDaemon} over the daemon's gRPC control socket ({@link DaemonClient}). */
final class GrpcCniDaemon implements CniDaemon {
    private static final Duration QUICK = Duration.ofSeconds(10);
    private final DaemonClient client;
    private final Path socket;

    GrpcCniDaemon(Path socket) {
        this.socket = socket;
        this.client = new DaemonClient(new DaemonHost(socket));
    }

    /** In the daemon ({@link CniService}): calls on its in-process {@code channel}, which {@link #close} leaves open. */
    GrpcCniDaemon(Path socket, io.grpc.Channel channel) {
        this.socket = socket;
        this.client = new DaemonClient(new DaemonHost(socket), channel);
    }

    @Override
    public Optional<Network> network(String ref) throws CniError {
        try {
            NetworkInspectResponse r = call(QUICK, s -> s.networkInspect(NetworkInspectRequest.newBuilder().setNetwork(ref).build()));
            var n = r.getNetwork();
            return Optional.of(new Network(n.getNetworkId(), n.getName(), n.getSubnet(), n.getGateway()));
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw mapped(e);
        }
    }

    @Override
    public Endpoint connect(String network, String netns, String dnsName, String ifName, List<String> aliases) throws CniError {
        var req = NetworkConnectRequest.newBuilder().setNetwork(network).setSandbox(netns).setName(dnsName)
                .setIfName(ifName).addAllAliases(aliases).build();
        try {
            NetworkAttachResponse r = call(DaemonClient.MANAGER_CALL_TIMEOUT, s -> s.networkConnect(req));
            return new Endpoint(r.getEndpointId(), netns, r.getIfName(), r.getIpv4(), r.getMac());
        } catch (StatusRuntimeException e) {
            throw mapped(e);
        }
    }

    @Override
    public boolean disconnect(String network, String netns) throws CniError {
        try {
            call(DaemonClient.MANAGER_CALL_TIMEOUT, s -> s.networkDisconnect(NetworkDisconnectRequest.newBuilder()
                    .setNetwork(network).setSandbox(netns).build()));
            return true;
        } catch (StatusRuntimeException e) {
            Status.Code c = e.getStatus().getCode();
            if (c == Status.Code.NOT_FOUND || c == Status.Code.FAILED_PRECONDITION) {
                return false; // no such sandbox or network, or not connected to it: nothing to undo
            }
            throw mapped(e);
        }
    }

    @Override
    public Optional<Endpoint> endpoint(String network, String netns) throws CniError {
        try {
            NetworkInspectResponse r = call(QUICK, s -> s.networkInspect(NetworkInspectRequest.newBuilder().setNetwork(network).build()));
            return r.getContainersList().stream().filter(c -> c.getSandbox().equals(netns)).findFirst()
                    .map(c -> new Endpoint(c.getEndpointId(), c.getSandbox(), c.getIfName(), c.getIpv4(), c.getMac()));
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw mapped(e);
        }
    }

    @Override
    public Optional<String> unavailable() {
        try {
            var info = call(QUICK, s -> s.info(InfoRequest.getDefaultInstance()));
            return "active".equals(info.getLocalNodeState()) ? Optional.empty()
                    : Optional.of("this node is not in a swarm (state " + info.getLocalNodeState() + ")");
        } catch (StatusRuntimeException e) {
            return Optional.of(describe(e));
        }
    }

    private <T> T call(Duration timeout, Function<io.jswarm.proto.cluster.ControlGrpc.ControlBlockingStub, T> rpc) {
        return client.callWithStatus(timeout, rpc);
    }

    /** Unreachable daemon or manager: try again later (11); anything else the daemon said: 100 with its words. */
    private CniError mapped(StatusRuntimeException e) {
        Status.Code c = e.getStatus().getCode();
        if (c == Status.Code.UNAVAILABLE || c == Status.Code.DEADLINE_EXCEEDED) {
            return new CniError(CniError.TRY_AGAIN, describe(e), "daemon socket " + socket);
        }
        if (c == Status.Code.INVALID_ARGUMENT) {
            return new CniError(CniError.INVALID_CONFIG, describe(e));
        }
        return new CniError(CniError.DAEMON_REFUSED, describe(e), c.toString());
    }

    private String describe(StatusRuntimeException e) {
        String d = e.getStatus().getDescription();
        if (e.getStatus().getCode() == Status.Code.UNAVAILABLE && !java.nio.file.Files.exists(socket)) {
            return "cannot connect to the jswarm daemon at " + socket + ": is it running?";
        }
        return d == null ? e.getStatus().getCode().toString() : d;
    }

    @Override
    public void close() {
        client.close();
    }
}
