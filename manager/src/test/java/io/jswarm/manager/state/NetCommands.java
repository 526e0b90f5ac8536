package io.jswarm.manager.state;

import io.jswarm.proto.state.AttachEndpoint;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.CreateNetwork;
import io.jswarm.proto.state.DetachEndpoint;
import io.jswarm.proto.state.PruneNetworks;
import io.jswarm.proto.state.ReleaseNodeEndpoints;
import io.jswarm.proto.state.RemoveNetwork;

/** Test builders for the network commands. */
final class NetCommands {
    private NetCommands() {
    }

    static CreateNetwork.Builder network(String name) {
        return CreateNetwork.newBuilder().setNetworkId("id-" + name).setName(name).setCreatedAtMillis(1000);
    }

    static Command create(CreateNetwork.Builder b) {
        return Command.newBuilder().setCreateNetwork(b).build();
    }

    static Command create(String name) {
        return create(network(name));
    }

    static Command create(String name, String subnet) {
        return create(network(name).setSubnet(subnet));
    }

    static Command rmNet(String idOrName) {
        return Command.newBuilder().setRemoveNetwork(RemoveNetwork.newBuilder().setNetworkId(idOrName)).build();
    }

    static Command prune() {
        return Command.newBuilder().setPruneNetworks(PruneNetworks.getDefaultInstance()).build();
    }

    static Command attach(String net, String endpointId, String node) {
        return attach(net, endpointId, node, "");
    }

    static Command attach(String net, String endpointId, String node, String ip) {
        return Command.newBuilder().setAttachEndpoint(AttachEndpoint.newBuilder().setNetworkId(net)
                .setEndpointId(endpointId).setNodeId(node).setName("name-" + endpointId).setRequestedIp(ip)).build();
    }

    static Command release(String node) {
        return Command.newBuilder().setReleaseNodeEndpoints(ReleaseNodeEndpoints.newBuilder().setNodeId(node)).build();
    }

    static Command detach(String net, String endpointId) {
        return Command.newBuilder().setDetachEndpoint(DetachEndpoint.newBuilder().setNetworkId(net)
                .setEndpointId(endpointId)).build();
    }
}
