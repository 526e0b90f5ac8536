package io.jswarm.manager.state;

import io.jswarm.proto.state.AttachEndpoint;
import io.jswarm.proto.state.ClaimLease;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.GrantLease;
import io.jswarm.proto.state.ReturnLease;
import java.util.List;

/** Test builders for the lease commands (issue 12). */
final class LeaseCommands {
    private LeaseCommands() {
    }

    /** A grant of one address per endpoint id. */
    static Command grant(String net, String node, String... endpointIds) {
        return grant(EndpointQuota.NONE, net, node, endpointIds);
    }

    static Command grant(EndpointQuota q, String net, String node, String... endpointIds) {
        return Command.newBuilder().setGrantLease(GrantLease.newBuilder().setNetworkId(net).setNodeId(node)
                .addAllEndpointIds(List.of(endpointIds)).setMaxNodeEndpoints(q.perNode())
                .setMaxNodeEndpointsPerNetwork(q.perNetworkPerNode()).setMaxNodeSharePercent(q.sharePercent())).build();
    }

    static Command claim(String net, String node, String address, String name) {
        return Command.newBuilder().setClaimLease(ClaimLease.newBuilder().setEndpoint(AttachEndpoint.newBuilder()
                .setNetworkId(net).setNodeId(node).setName(name).setRequestedIp(address))).build();
    }

    static Command giveBack(String net, String node, String... addresses) {
        return Command.newBuilder().setReturnLease(ReturnLease.newBuilder().setNetworkId(net).setNodeId(node)
                .addAllAddresses(List.of(addresses))).build();
    }
}
