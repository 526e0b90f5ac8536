package io.jswarm.agent.net;

import io.jswarm.gossip.replication.TableReplicator;
import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.NetworkView;
import java.io.IOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the pieces of the network agent share: the node's identity, the manager, the saved state and its
 * file, the kernel side, the peer writer, the loop that owns all of them, and the latest cluster view and
 * replicator. Everything mutable here is read and written on the {@link AgentLoop} only, except the two
 * volatile references, which callbacks may read.
 */
final class AgentCore {
    private static final Logger LOG = LoggerFactory.getLogger(AgentCore.class);

    final String nodeId;
    final Supplier<ClusterApi> api;
    final AgentLoop loop;
    final LocalState local;
    final SandboxStore store;
    final PeerWriter peers;
    final HostKernel kernel;
    final SandboxResolver dns;
    final io.jswarm.vxlan.Dataplane dataplane;
    /**
     * Named points of the write-ahead changes ({@link EndpointChanges}), for tests that stop the agent there as
     * a SIGKILL would (by throwing an {@link Error}, which no rollback catches). No-op in production.
     */
    interface Steps {
        Steps NONE = step -> { };

        void reached(String step);
    }

    volatile Steps steps = Steps.NONE;
    volatile ClusterView view = ClusterView.getDefaultInstance();
    volatile TableReplicator replicator;
    /** The node's entry key and the cluster CA (set by the daemon before start; NONE: entries unsigned). */
    volatile EntryTrust trust = EntryTrust.NONE;

    final AgentMetrics metrics;
    /** This node's IPsec state (issue 11). */
    final Encryption encryption;

    AgentCore(String nodeId, Supplier<ClusterApi> api, io.jswarm.vxlan.Dataplane dataplane, SandboxResolver dns,
              SandboxStore store, AgentLoop loop, AgentMetrics metrics, io.jswarm.vxlan.kernel.XfrmLimits espLimits) {
        this.nodeId = nodeId;
        this.metrics = metrics;
        this.api = api;
        this.dataplane = dataplane;
        this.dns = dns;
        this.store = store;
        this.loop = loop;
        this.local = new LocalState();
        this.peers = new PeerWriter(nodeId, dataplane, NetworkAgent::specId,
                id -> local.network(id).map(io.jswarm.proto.state.Network::getName).orElse(""),
                // A network not known locally counts as internal: it never opens forwarding by itself.
                id -> local.network(id).map(io.jswarm.proto.state.Network::getInternal).orElse(true));
        peers.onTableSize(metrics::tableSize);
        metrics.antiEntropyRepairsFrom(() -> replicator().map(TableReplicator::antiEntropyRepairs).orElse(Map.of()));
        this.encryption = new Encryption(this, espLimits);
        this.kernel = new HostKernel(nodeId, dataplane, peers, dns, local, encryption);
    }

    Optional<TableReplicator> replicator() {
        return Optional.ofNullable(replicator);
    }

    /** Saves the local state; the caller decides whether a failure aborts its change. */
    void save() throws IOException {
        local.save(store);
        metrics.pendingReleases(local.releases().size());
        metrics.leases((int) local.leases().stream().filter(l -> !l.getReturning()
                && !local.endpointIdInUse(l.getLease().getEndpointId())).count(), local.pendingClaims().size());
    }

    /** Saves, logging instead of throwing (state that the next change or start writes again). */
    void saveQuietly(String what) {
        try {
            save();
        } catch (IOException e) {
            LOG.warn("{} not saved error={}", what, e.toString());
        }
    }

    /** The network's participants for its table: the view's nodes with endpoints there, and this node if it has. */
    Set<String> participants(NetworkView nv) {
        Set<String> p = new HashSet<>(nv.getNodeIdsList());
        if (local.hasEndpointsOn(nv.getNetwork().getNetworkId())) {
            p.add(nodeId);
        }
        return p;
    }

    /** Joins the network's table (first local endpoint, or at start) and reads what it has so far. */
    void joinTable(String networkId) {
        TableReplicator r = replicator;
        if (r == null) {
            return;
        }
        view.getNetworksList().stream().filter(v -> v.getNetwork().getNetworkId().equals(networkId)).findFirst()
                .ifPresent(v -> r.participants(networkId, participants(v)));
        r.join(networkId);
        peers.table(networkId, r.visible(networkId));
    }
}
