package io.jswarm.agent.net;

import io.jswarm.gossip.replication.TableReplicator;
import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.NetworkView;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.vxlan.IpPrefix;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** What a cluster view changes on this node, on the {@link AgentLoop}. */
final class Views {
    private Views() {
    }

    /**
     * Keeps the view (and saves this node's networks' participants from it), hands the participants to the
     * tables, and, for a view from the manager (it lists nodes), drops kernel peers adopted at start whose
     * owner no longer has endpoints on the network.
     */
    static void apply(AgentCore core, ClusterView v) {
        core.view = v;
        if (core.local.views(v)) {
            core.saveQuietly("network views");
        }
        TableReplicator r = core.replicator;
        if (r != null) {
            for (NetworkView nv : v.getNetworksList()) {
                r.participants(nv.getNetwork().getNetworkId(), core.participants(nv));
            }
        }
        for (NetworkView nv : v.getNetworksList()) {
            core.peers.provisional(nv.getNetwork().getNetworkId(), Set.copyOf(nv.getLeasedEndpointIdsList()));
        }
        core.encryption.refreshQuietly("view"); // participants of encrypted networks are the SA peers
        if (v.getNodesCount() == 0) {
            return; // the saved participants only: nothing known about the nodes yet
        }
        Map<String, InetAddress> vteps = new HashMap<>();
        for (NodeInfo n : v.getNodesList()) {
            String a = n.getDataPathAddr().isEmpty() ? n.getAddr() : n.getDataPathAddr();
            if (!a.isEmpty()) {
                vteps.put(n.getId(), IpPrefix.parseAddress(a));
            }
        }
        if (r != null) {
            r.dataAddresses(vteps); // what a received entry's VTEP must be
        }
        for (NetworkView nv : v.getNetworksList()) {
            String id = nv.getNetwork().getNetworkId();
            if (core.peers.isProgrammed(id)) {
                Set<InetAddress> on = new HashSet<>();
                nv.getNodeIdsList().forEach(n -> {
                    if (vteps.containsKey(n)) {
                        on.add(vteps.get(n));
                    }
                });
                core.peers.participants(id, on);
            }
        }
    }
}
