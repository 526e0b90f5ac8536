package io.jswarm.manager.api;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.encryption.Identifiers;
import io.jswarm.manager.ipam.IpamException;
import io.jswarm.manager.state.Applied;
import io.jswarm.manager.state.EndpointNameRules;
import io.jswarm.manager.state.EndpointQuota;
import io.jswarm.manager.state.NetworkLabels;
import io.jswarm.manager.state.SafeText;
import io.jswarm.manager.state.StateStore;
import io.jswarm.manager.state.StateView;
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
import io.jswarm.proto.cluster.ReleaseNodeEndpointsResponse;
import io.jswarm.proto.cluster.RemoveNetworkRequest;
import io.jswarm.proto.cluster.RemoveNetworkResponse;
import io.jswarm.proto.state.AttachEndpoint;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.CreateNetwork;
import io.jswarm.proto.state.DetachEndpoint;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.Network;
import io.jswarm.proto.state.PruneNetworks;
import io.jswarm.proto.state.ReleaseNodeEndpoints;
import io.jswarm.proto.state.RemoveNetwork;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's network API (what {@code network create/rm/prune/ls} and the agents' attach/detach call),
 * kept out of {@link ManagerNode} so each stays readable; callers come in through {@link ManagerApi},
 * which has authorised them. It resolves user references (id, unique id prefix, name), fills in what the
 * manager decides (ids, times, the endpoint owner), applies the caller rules the state machine cannot know
 * (attach only to attachable networks, a worker detaches only its own endpoints), and submits; the state
 * machine does every other check, so a refusal changes nothing. Answers come from what the command's
 * apply returned ({@link Applied}), and reads from one {@link StateView}.
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
        // Bad input is INVALID_ARGUMENT, before anything is proposed (the state machine checks again).
        invalidArgument(() -> NetworkLabels.check(req.getSpec().getLabelsMap()));
        CreateNetwork spec = req.getSpec().toBuilder().setNetworkId(Identifiers.newId())
                .setCreatedAtMillis(manager.clock().millis()).build();
        Network n = manager.submit(Command.newBuilder().setCreateNetwork(spec).build(), Applied.NetworkCreated.class)
                .network();
        LOG.info("network created network={} name={} subnet={} vni={} encrypted={}", n.getNetworkId(), n.getName(), n.getSubnet(),
                n.getVni(), n.getEncrypted());
        manager.viewChangedSoon();
        return NetworkResponse.newBuilder().setNetwork(n).build();
    }

    RemoveNetworkResponse remove(RemoveNetworkRequest req) {
        Network ref = resolve(manager.store().read().view(), req.getNetwork());
        Network n = manager.submit(Command.newBuilder().setRemoveNetwork(RemoveNetwork.newBuilder()
                .setNetworkId(ref.getNetworkId())).build(), Applied.NetworkRemoved.class).network();
        LOG.info("network removed network={} name={}", n.getNetworkId(), n.getName());
        manager.viewChangedSoon();
        return RemoveNetworkResponse.newBuilder().setNetworkId(n.getNetworkId()).setName(n.getName()).build();
    }

    PruneNetworksResponse prune() {
        if (manager.store().read().view().prunableNetworks().isEmpty()) {
            return PruneNetworksResponse.getDefaultInstance(); // nothing to log: no empty command in the log
        }
        // What the apply removed: a network attached to since the check above is (rightly) kept.
        List<String> names = manager.submit(Command.newBuilder().setPruneNetworks(PruneNetworks.getDefaultInstance())
                .build(), Applied.NetworksPruned.class).removed().stream().map(Network::getName).toList();
        LOG.info("networks pruned names={}", names);
        manager.viewChangedSoon();
        return PruneNetworksResponse.newBuilder().addAllNames(names).build();
    }

    // Issue 12: every request reads through StateStore.read(): linearizable on any manager (a follower asks the
    // leader's commit index first), so an answer never misses a change another manager committed before it.
    ListNetworksResponse list(ListNetworksRequest req) {
        StateView s = manager.store().read().view();
        List<Network> nets = req.getNetwork().isEmpty() ? s.networks() : List.of(resolve(s, req.getNetwork()));
        ListNetworksResponse.Builder b = ListNetworksResponse.newBuilder();
        for (Network n : nets) {
            b.addNetworks(NetworkDetail.newBuilder().setNetwork(n).addAllEndpoints(s.endpoints(n.getNetworkId())));
        }
        return b.build();
    }

    AttachEndpointResponse attach(String callerNodeId, boolean callerIsManager, AttachEndpointRequest req) {
        // The names first: nothing the caller sent reaches a log line, the state or an allocation unchecked.
        invalidArgument(() -> EndpointNameRules.checkSyntax(req.getName(), req.getAliasesList()));
        Network n = resolve(manager.store().read().view(), req.getNetwork());
        if (!n.getAttachable()) {
            // Docker's words, including the nested rpc error it shows; it refuses managers alike (only
            // the orchestrator's tasks may join a network that is not attachable).
            throw Status.PERMISSION_DENIED.withDescription("Could not attach to network " + n.getName()
                    + ": rpc error: code = PermissionDenied desc = network " + n.getName() + " not manually attachable")
                    .asRuntimeException();
        }
        EndpointGrants.checkOwnerKey(req.getOwnerKey());
        // The quota travels in the command: the state machine checks it at the command's log position.
        EndpointQuota quota = callerIsManager ? manager.endpointQuota().forManager() : manager.endpointQuota();
        requireCallerWaiting();
        var committed = manager.commit(Command.newBuilder().setAttachEndpoint(quota
                .into(AttachEndpoint.newBuilder()).setNetworkId(n.getNetworkId()).setEndpointId(Identifiers.newId())
                .setNodeId(callerNodeId).setName(req.getName()).addAllAliases(req.getAliasesList())
                .setRequestedIp(req.getRequestedIp())).build());
        Applied.EndpointAttached a = ManagerNode.expect(committed, Applied.EndpointAttached.class);
        Endpoint e = a.endpoint();
        LOG.info("endpoint attached network={} endpoint={} node={} name={} address={}", a.network().getName(),
                e.getEndpointId(), callerNodeId, e.getName(), e.getAddress());
        manager.viewChangedSoon();
        var out = AttachEndpointResponse.newBuilder().setNetwork(a.network()).setEndpoint(e);
        if (!req.getOwnerKey().isEmpty()) {
            out.setGrant(EndpointGrants.issue(manager.ca(), a.network(), e, committed.index(), req.getOwnerKey()));
        }
        return out.build();
    }

    void detach(String callerNodeId, boolean callerIsManager, DetachEndpointRequest req) {
        StateStore.Read read = manager.store().read();
        StateView s = read.view();
        Network n;
        try {
            n = resolve(s, req.getNetwork());
        } catch (io.grpc.StatusRuntimeException ex) {
            throw behind(read, ex);
        }
        Endpoint e = s.endpoints(n.getNetworkId()).stream()
                .filter(x -> x.getEndpointId().equals(req.getEndpointId())).findFirst()
                .orElseThrow(() -> behind(read, Status.NOT_FOUND.withDescription("endpoint " + printable(req.getEndpointId())
                        + " not found in network " + n.getName()).asRuntimeException()));
        if (!callerIsManager && !e.getNodeId().equals(callerNodeId)) {
            throw Status.PERMISSION_DENIED.withDescription("endpoint " + e.getEndpointId() + " in network " + n.getName()
                    + " belongs to another node").asRuntimeException();
        }
        // Endpoint ids are never reused, so the owner checked above is the owner of what the apply detaches.
        Endpoint gone = manager.submit(Command.newBuilder().setDetachEndpoint(DetachEndpoint.newBuilder()
                .setNetworkId(n.getNetworkId()).setEndpointId(e.getEndpointId())).build(), Applied.EndpointDetached.class)
                .endpoint();
        LOG.info("endpoint detached network={} endpoint={} node={}", n.getName(), gone.getEndpointId(), gone.getNodeId());
        manager.viewChangedSoon();
    }

    /**
     * Refuses a call whose caller already gave up (its deadline passed while the call waited for a thread): an
     * attach started now could commit after the agent took the missing answer as "maybe" and its orphan checks
     * looked. Only at the start of such a call: a later write of a call with several (demote: the configuration,
     * then the role) must not be cut off half-way.
     */
    private static void requireCallerWaiting() {
        if (io.grpc.Context.current().isCancelled()) {
            throw Status.CANCELLED.withDescription("the caller gave up before the change was sent").asRuntimeException();
        }
    }

    /** {@code nodeId}'s endpoints in {@code s}, with their networks. */
    static OwnEndpointsResponse ownEndpoints(StateView s, String nodeId) {
        OwnEndpointsResponse.Builder b = OwnEndpointsResponse.newBuilder();
        for (Network n : s.networks()) {
            List<Endpoint> own = s.endpoints(n.getNetworkId()).stream().filter(e -> e.getNodeId().equals(nodeId)).toList();
            if (!own.isEmpty()) {
                b.addNetworks(n).addAllEndpoints(own);
            }
        }
        return b.build();
    }

    /** Every endpoint {@code nodeId} owns, on every network, released at one log position. */
    ReleaseNodeEndpointsResponse releaseNodeEndpoints(String nodeId) {
        StateView read = manager.store().read().view();
        if (read.endpointsOf(nodeId).isEmpty() && read.leasesOf(nodeId).isEmpty()) {
            return ReleaseNodeEndpointsResponse.getDefaultInstance(); // no empty command in the log
        }
        List<Endpoint> released = manager.submit(Command.newBuilder().setReleaseNodeEndpoints(ReleaseNodeEndpoints
                .newBuilder().setNodeId(nodeId)).build(), Applied.NodeEndpointsReleased.class).released();
        LOG.info("node endpoints released node={} endpoints={}", nodeId, released.size());
        manager.viewChangedSoon();
        return ReleaseNodeEndpointsResponse.newBuilder().addAllEndpoints(released).build();
    }

    /** Every network with the sorted ids of the nodes that have endpoints on it (the ClusterView's part). */
    static List<NetworkView> views(StateView s) {
        return s.networks().stream().map(n -> {
            Set<String> nodes = new TreeSet<>();
            s.endpoints(n.getNetworkId()).forEach(e -> nodes.add(e.getNodeId()));
            // Issue 12: a lease holder may have endpoints the manager has not heard of yet (attached while cut off).
            s.leases().stream().filter(l -> l.getNetworkId().equals(n.getNetworkId())).forEach(l -> nodes.add(l.getNodeId()));
            Set<String> leased = new TreeSet<>();
            s.leases().stream().filter(l -> l.getNetworkId().equals(n.getNetworkId()))
                    .forEach(l -> leased.add(l.getEndpointId()));
            return NetworkView.newBuilder().setNetwork(n).addAllNodeIds(nodes).addAllLeasedEndpointIds(leased).build();
        }).toList();
    }

    /**
     * NOT_FOUND from a state this manager could not confirm with a quorum becomes UNAVAILABLE: a manager catching up
     * (restarted, installing the leader's snapshot) may lack what was attached meanwhile, and an agent takes a
     * detach's NOT_FOUND for "already released" and drops its pending release, leaving the endpoint in the state
     * for good. UNAVAILABLE makes it ask again, here or at another manager.
     */
    private static io.grpc.StatusRuntimeException behind(StateStore.Read read, io.grpc.StatusRuntimeException e) {
        if (read.possiblyStale() && e.getStatus().getCode() == Status.Code.NOT_FOUND) {
            return Status.UNAVAILABLE.withDescription(e.getStatus().getDescription()
                    + " in this manager's state, which may be behind (no quorum confirmed it); try again").asRuntimeException();
        }
        return e;
    }

    /**
     * A network by exact id, exact name, or unique id prefix, in that order (as Docker resolves them).
     * An ambiguous prefix is refused rather than guessed.
     */
    static Network resolve(StateView s, String ref) {
        if (ref.isEmpty()) {
            throw Status.INVALID_ARGUMENT.withDescription("network name or id is required").asRuntimeException();
        }
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
                Status.NOT_FOUND.withDescription("network " + printable(ref) + " not found").asRuntimeException());
    }

    /** A reference as the caller sent it when harmless (Docker's messages), else escaped and cut. */
    private static String printable(String ref) {
        String q = SafeText.quote(ref);
        return q.equals("\"" + ref + "\"") ? ref : q;
    }

    interface Check {
        void run() throws IpamException;
    }

    private static void invalidArgument(Check check) {
        try {
            check.run();
        } catch (IpamException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
    }

    private static StatusRuntimeException ambiguous(String ref, int matches) {
        return Status.FAILED_PRECONDITION.withDescription("network " + printable(ref) + " is ambiguous (" + matches
                + " matches found based on ID prefix)").asRuntimeException();
    }
}
