package io.jswarm.agent.net;

import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.proto.cluster.AttachEndpointResponse;
import io.jswarm.proto.cluster.LocalEndpoint;
import io.jswarm.proto.cluster.LocalEndpointState;
import io.jswarm.vxlan.EndpointSpec;
import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * One local endpoint as a value: parsed once, where it enters (the manager's answer, or the saved state at
 * start), into the data plane's types; the kernel spec, the table entry and the saved form all come from it.
 *
 * @param address the endpoint's address with the network's prefix length (e.g. 10.0.1.2/24)
 * @param mac     {@code 02:42} + the IPv4 address, as Docker does
 */
record SandboxEndpoint(String endpointId, String networkId, String name, List<String> aliases, String sandbox,
                       String ifName, IpPrefix address, MacAddress mac, LocalEndpointState state) {
    SandboxEndpoint {
        Objects.requireNonNull(endpointId, "endpointId");
        Objects.requireNonNull(networkId, "networkId");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(mac, "mac");
        aliases = List.copyOf(aliases);
        if (endpointId.isEmpty() || networkId.isEmpty() || ifName.isEmpty()) {
            throw new IllegalArgumentException("endpoint needs an id, a network and an interface name");
        }
    }

    /** What the manager allocated, for sandbox {@code key}'s interface {@code ifName}; not committed yet. */
    static SandboxEndpoint allocated(AttachEndpointResponse a, String key, String ifName) {
        var e = a.getEndpoint();
        IpPrefix address = IpPrefix.parse(e.getAddress() + "/" + HostKernel.prefixLength(a.getNetwork()));
        return new SandboxEndpoint(e.getEndpointId(), a.getNetwork().getNetworkId(), e.getName(), e.getAliasesList(),
                key, ifName, address, MacAddress.forIpv4((Inet4Address) address.address()),
                LocalEndpointState.LOCAL_ENDPOINT_ATTACHING);
    }

    /** From the saved state. */
    static SandboxEndpoint of(LocalEndpoint le) {
        return new SandboxEndpoint(le.getEndpointId(), le.getNetworkId(), le.getName(), le.getAliasesList(),
                le.getSandbox(), le.getIfName(), IpPrefix.parse(le.getIpv4()), MacAddress.parse(le.getMac()),
                le.getState());
    }

    LocalEndpoint toProto() {
        return LocalEndpoint.newBuilder().setEndpointId(endpointId).setNetworkId(networkId).setName(name)
                .addAllAliases(aliases).setSandbox(sandbox).setIfName(ifName).setIpv4(address.toString())
                .setMac(mac.toString()).setState(state).build();
    }

    SandboxEndpoint withState(LocalEndpointState s) {
        return new SandboxEndpoint(endpointId, networkId, name, aliases, sandbox, ifName, address, mac, s);
    }

    EndpointSpec spec(String networkSpecId, Netns sandboxNs, boolean createSandbox) {
        return new EndpointSpec(endpointId, networkSpecId, sandboxNs, createSandbox, ifName, address, mac);
    }

    /** This node's table entry for the endpoint. */
    EndpointRecord record(InetAddress vtep, String owner) {
        return new EndpointRecord(name, aliases, address.address(), mac.toString(), vtep, owner);
    }
}
