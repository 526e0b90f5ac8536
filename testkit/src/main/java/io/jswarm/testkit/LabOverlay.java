package io.jswarm.testkit;

import io.jswarm.vxlan.EndpointSpec;
import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.NetworkSpec;
import io.jswarm.vxlan.Peer;
import io.jswarm.vxlan.Vni;
import java.net.Inet4Address;
import java.nio.file.Path;

/**
 * One overlay network laid over a {@link HostLab}, as the demo, the e2e tests and the datapath benchmark
 * use it: the same VNI, subnet and gateway on every host, one endpoint per host with a sandbox named under
 * the lab's prefix, and each endpoint programmed as the peer of the others.
 *
 * @param id      network id (names the network namespace in each host's run directory)
 * @param vni     VXLAN id
 * @param gateway gateway with prefix length, e.g. 10.0.1.1/24
 */
public record LabOverlay(HostLab lab, String id, int vni, IpPrefix gateway) {

    /** The demo's network: VNI 4097, 10.0.1.0/24, gateway 10.0.1.1. */
    public static LabOverlay standard(HostLab lab) {
        return new LabOverlay(lab, "ovl1", 4097, IpPrefix.parse("10.0.1.1/24"));
    }

    /** The network as host {@code h} must program it (its own underlay address is the VTEP). */
    public NetworkSpec network(HostLab.Host h) {
        return new NetworkSpec(id, Vni.of(vni), gateway, h.underlay(), NetworkSpec.DEFAULT_PORT, 0);
    }

    /** The endpoint address of host {@code h}: subnet + 1 + host index (10.0.1.2 on h1, 10.0.1.3 on h2, ...). */
    public IpPrefix endpointAddress(HostLab.Host h) {
        return IpPrefix.of(gateway.network().addressAt(1 + h.index()), gateway.length());
    }

    public String endpointIp(HostLab.Host h) {
        return endpointAddress(h).address().getHostAddress();
    }

    /** The sandbox namespace name of host {@code h}'s endpoint, in /run/netns. */
    public String sandboxName(HostLab.Host h) {
        return lab.sandboxName(h, id);
    }

    public Path sandboxFile(HostLab.Host h) {
        return Netns.IP_NETNS_DIR.resolve(sandboxName(h));
    }

    /** Host {@code h}'s endpoint: a sandbox the data plane creates (and removes), interface eth0. */
    public EndpointSpec endpoint(HostLab.Host h) {
        return new EndpointSpec(id + "ep" + h.index(), id, Netns.named(sandboxName(h)), true, "eth0",
                endpointAddress(h), null);
    }

    /** Host {@code h}'s endpoint as the other hosts see it. */
    public Peer peer(HostLab.Host h) {
        return new Peer(endpointAddress(h).address(), mac(h), h.underlay());
    }

    /** The endpoint MAC (Docker's 02:42 + IPv4 convention, as {@link EndpointSpec} defaults to). */
    public MacAddress mac(HostLab.Host h) {
        return MacAddress.forIpv4((Inet4Address) endpointAddress(h).address());
    }

    /** The network namespace file the data plane of {@code h} uses for this network. */
    public Path networkNsFile(HostLab.Host h) {
        return h.config().networkNamespace(id);
    }
}
