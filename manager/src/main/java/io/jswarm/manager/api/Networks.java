package io.jswarm.manager.api;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.encryption.Identifiers;
import io.jswarm.manager.state.StateMachine;
import io.jswarm.proto.cluster.AttachEndpointRequest;
import io.jswarm.proto.cluster.AttachEndpointResponse;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.DetachEndpointRequest;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.ListNetworksResponse;
import io.jswarm.proto.cluster.NetworkDetail;
import io.jswarm.proto.cluster.NetworkResponse;
import io.jswarm.proto.cluster.NetworkView;
import io.jswarm.proto.cluster.OwnEndpointsResponse;
import io.jswarm.proto.cluster.PruneNetworksResponse;
import io.jswarm.proto.cluster.RemoveNetworkRequest;
import io.jswarm.proto.cluster.RemoveNetworkResponse;
import io.jswarm.proto.state.AttachEndpoint;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.CreateNetwork;
import io.jswarm.proto.state.DetachEndpoint;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.Network;
import io.jswarm.proto.state.PruneNetworks;
import io.jswarm.proto.state.RemoveNetwork;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's network API (what {@code network create/rm/prune/ls} and the agents' attach/detach call),
 * kept out of {@link ManagerNode} so each stays readable. It resolves user references (id, unique id prefix,
 * name), fills in what the manager decides (ids, times, the endpoint owner), applies the caller rules the
 * state machine cannot know (a worker attaches only to attachable networks and detaches only its own
 * endpoints), and submits; the state machine does every other check, so a refusal changes nothing.
 */
final class Networks {
    private static final Logger LOG = LoggerFactory.getLogger(Networks.class);

    private final ManagerNode manager;

    Networks(ManagerNode manager) {
        this.manager = manager;
    }

    NetworkResponse create(CreateNetworkRequest req) {
        String driver = req.getDriver();
        if (!driver.isEmpty() && !driver.equals("overlay")) {
            // What Docker answers for a driver it has no plugin for.
            throw Status.NOT_FOUND.withDescription("plugin \"" + driver + "\" not found").asRuntimeException();
        }
        if (req.getSpec().getName().chars().anyMatch(Character::isISOControl)) {
            // The state's refusal quotes the name; keep the error on one line.
            throw Status.INVALID_ARGUMENT.withDescription("invalid network name: control characters are not allowed")
                    .asRuntimeException();
        }
        String id = Identifiers.newId();
        CreateNetwork spec = req.getSpec().toBuilder().setNetworkId(id)
                .setCreatedAtMillis(manager.clock().millis()).build();
        manager.submit(Command.newBuilder().setCreateNetwork(spec).build());
        Network n = read(s -> s.network(id)).orElseThrow();
        LOG.info("network created network={} name={} subnet={} vni={}", id, n.getName(), n.getSubnet(), n.getVni());
        manager.viewChangedSoon();
        return NetworkResponse.newBuilder().setNetwork(n).build();
    }

    RemoveNetworkResponse remove(RemoveNetworkRequest req) {
        Network n = resolve(req.getNetwork());
        manager.submit(Command.newBuilder().setRemoveNetwork(RemoveNetwork.newBuilder().setNetworkId(n.getNetworkId())).build());
        LOG.info("network removed network={} name={}", n.getNetworkId(), n.getName());
        manager.viewChangedSoon();
        return RemoveNetworkResponse.newBuilder().setNetworkId(n.getNetworkId()).setName(n.getName()).build();
    }

    PruneNetworksResponse prune() {
        List<Network> candidates = read(StateMachine::prunableNetworks);
        if (candidates.isEmpty()) {
            return PruneNetworksResponse.getDefaultInstance(); // nothing to log: no empty command in the log
        }
        manager.submit(Command.newBuilder().setPruneNetworks(PruneNetworks.getDefaultInstance()).build());
        // Report what is gone now: a network attached to between the two reads was (rightly) kept.
        Set<String> left = new java.util.HashSet<>(read(s -> s.networks().stream().map(Network::getNetworkId).toList()));
        List<String> names = candidates.stream().filter(n -> !left.contains(n.getNetworkId())).map(Network::getName).toList();
        LOG.info("networks pruned names={}", names);
        manager.viewChangedSoon();
        return PruneNetworksResponse.newBuilder().addAllNames(names).build();
    }

    ListNetworksResponse list(ListNetworksRequest req) {
        List<Network> nets = req.getNetwork().isEmpty() ? read(StateMachine::networks) : List.of(resolve(req.getNetwork()));
        ListNetworksResponse.Builder b = ListNetworksResponse.newBuilder();
        for (Network n : nets) {
            b.addNetworks(NetworkDetail.newBuilder().setNetwork(n).addAllEndpoints(read(s -> s.endpoints(n.getNetworkId()))));
        }
        return b.build();
    }

    AttachEndpointResponse attach(String callerNodeId, boolean callerIsManager, AttachEndpointRequest req) {
        Network n = resolve(req.getNetwork());
        if (!callerIsManager && !n.getAttachable()) {
            // Docker's words, including the nested rpc error it shows a worker.
            throw Status.PERMISSION_DENIED.withDescription("Could not attach to network " + n.getName()
                    + ": rpc error: code = PermissionDenied desc = network " + n.getName() + " not manually attachable")
                    .asRuntimeException();
        }
        String endpointId = Identifiers.newId();
        manager.submit(Command.newBuilder().setAttachEndpoint(AttachEndpoint.newBuilder().setNetworkId(n.getNetworkId())
                .setEndpointId(endpointId).setNodeId(callerNodeId).setName(req.getName())
                .addAllAliases(req.getAliasesList()).setRequestedIp(req.getRequestedIp())).build());
        Endpoint e = read(s -> s.endpoints(n.getNetworkId())).stream()
                .filter(x -> x.getEndpointId().equals(endpointId)).findFirst().orElseThrow();
        LOG.info("endpoint attached network={} endpoint={} node={} name={} address={}", n.getName(), endpointId,
                callerNodeId, e.getName(), e.getAddress());
        manager.viewChangedSoon();
        return AttachEndpointResponse.newBuilder().setNetwork(n).setEndpoint(e).build();
    }

    void detach(String callerNodeId, boolean callerIsManager, DetachEndpointRequest req) {
        Network n = resolve(req.getNetwork());
        Endpoint e = read(s -> s.endpoints(n.getNetworkId())).stream()
                .filter(x -> x.getEndpointId().equals(req.getEndpointId())).findFirst()
                .orElseThrow(() -> Status.NOT_FOUND.withDescription("endpoint " + req.getEndpointId()
                        + " not found in network " + n.getName()).asRuntimeException());
        if (!callerIsManager && !e.getNodeId().equals(callerNodeId)) {
            throw Status.PERMISSION_DENIED.withDescription("endpoint " + e.getEndpointId() + " in network " + n.getName()
                    + " belongs to another node").asRuntimeException();
        }
        manager.submit(Command.newBuilder().setDetachEndpoint(DetachEndpoint.newBuilder()
                .setNetworkId(n.getNetworkId()).setEndpointId(e.getEndpointId())).build());
        LOG.info("endpoint detached network={} endpoint={} node={}", n.getName(), e.getEndpointId(), e.getNodeId());
        manager.viewChangedSoon();
    }

    OwnEndpointsResponse ownEndpoints(String nodeId) {
        return read(s -> {
            OwnEndpointsResponse.Builder b = OwnEndpointsResponse.newBuilder();
            for (Network n : s.networks()) {
                List<Endpoint> own = s.endpoints(n.getNetworkId()).stream().filter(e -> e.getNodeId().equals(nodeId)).toList();
                if (!own.isEmpty()) {
                    b.addNetworks(n).addAllEndpoints(own);
                }
            }
            return b.build();
        });
    }

    /** Every network with the sorted ids of the nodes that have endpoints on it (the ClusterView's part). */
    static List<NetworkView> views(StateMachine s) {
        return s.networks().stream().map(n -> {
            Set<String> nodes = new TreeSet<>();
            s.endpoints(n.getNetworkId()).forEach(e -> nodes.add(e.getNodeId()));
            return NetworkView.newBuilder().setNetwork(n).addAllNodeIds(nodes).build();
        }).toList();
    }

    /**
     * A network by exact id, exact name, or unique id prefix, in that order (as Docker resolves them).
     * An ambiguous prefix is refused rather than guessed.
     */
    Network resolve(String ref) {
        if (ref.isEmpty()) {
            throw Status.INVALID_ARGUMENT.withDescription("network name or id is required").asRuntimeException();
        }
        return read(s -> {
            var exact = s.network(ref);
            if (exact.isPresent()) {
                return exact.get();
            }
            Set<Network> byPrefix = new LinkedHashSet<>(s.networks().stream()
                    .filter(n -> n.getNetworkId().startsWith(ref)).toList());
            if (byPrefix.size() > 1) {
                throw ambiguous(ref, byPrefix.size());
            }
            return byPrefix.stream().findFirst().orElseThrow(() ->
                    Status.NOT_FOUND.withDescription("network " + ref + " not found").asRuntimeException());
        });
    }

    private static StatusRuntimeException ambiguous(String ref, int matches) {
        return Status.FAILED_PRECONDITION.withDescription("network " + ref + " is ambiguous (" + matches
                + " matches found based on ID prefix)").asRuntimeException();
    }

    private <T> T read(java.util.function.Function<StateMachine, T> query) {
        return manager.store().read(query);
    }
}
