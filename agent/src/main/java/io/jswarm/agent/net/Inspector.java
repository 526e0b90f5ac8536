package io.jswarm.agent.net;

import io.grpc.Status;
import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.NetworkInspectResponse;
import io.jswarm.proto.cluster.NetworkPeer;
import io.jswarm.proto.cluster.NetworkView;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.TableEndpoint;
import io.jswarm.proto.state.Network;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * {@code network inspect} as this node sees it: the definition (cluster view), the endpoints on this host
 * (Docker's "Containers"), every endpoint in this node's table, and the peers (nodes on the network).
 */
final class Inspector {
    private Inspector() {
    }

    static NetworkInspectResponse inspect(String ref, ClusterView view, LocalState local, PeerWriter peers,
                                          Encryption encryption) {
        Network n = local.resolve(ref, view).orElseThrow(() -> Status.NOT_FOUND
                .withDescription("network " + ref + " not found").asRuntimeException());
        // The view's copy is the current one; the local copy serves when the view is not here yet.
        Optional<NetworkView> nv = view.getNetworksList().stream()
                .filter(v -> v.getNetwork().getNetworkId().equals(n.getNetworkId())).findFirst();
        var b = NetworkInspectResponse.newBuilder().setNetwork(nv.map(NetworkView::getNetwork).orElse(n));
        local.endpointsOn(n.getNetworkId()).forEach(l -> b.addContainers(l.endpoint()));
        Map<String, EndpointRecord> visible = peers.visible(n.getNetworkId());
        TreeSet<String> peerNodes = new TreeSet<>();
        nv.ifPresent(v -> peerNodes.addAll(v.getNodeIdsList()));
        visible.forEach((id, r) -> {
            b.addEndpoints(TableEndpoint.newBuilder().setEndpointId(id).setName(r.name()).addAllAliases(r.aliases())
                    .setIp(r.ip().getHostAddress()).setMac(r.mac()).setVtep(r.vtep().getHostAddress())
                    .setNodeId(r.ownerNode()));
            peerNodes.add(r.ownerNode());
        });
        for (String id : peerNodes) {
            NodeInfo node = view.getNodesList().stream().filter(x -> x.getId().equals(id)).findFirst().orElse(null);
            b.addPeers(encryption.describe(NetworkPeer.newBuilder().setNodeId(id).setName(node == null ? id : node.getHostname())
                    .setIp(node == null ? "" : node.getDataPathAddr().isEmpty() ? node.getAddr() : node.getDataPathAddr()), n));
        }
        return b.build();
    }
}
