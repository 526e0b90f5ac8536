package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.MacAddress;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * The source filter on a sandbox's bridge port: one classic-BPF program in direct-action mode on the tc
 * {@code clsact} ingress of the port (the frames the sandbox sends), before the bridge sees them. It passes
 * IPv4 only with source {@code ip}, ARP (Ethernet/IPv4) only with sender {@code ip} and sender MAC {@code mac},
 * and drops everything else, VLAN-tagged frames included. In tc terms:
 * <pre>
 * tc qdisc add dev DEV clsact
 * tc filter add dev DEV ingress prio 1 handle 1 protocol all bpf da bytecode '...'   (PortFilters.program)
 * </pre>
 * Classic BPF needs neither flower nor gact (kernels built without them, such as this project's 6.18, still
 * have {@code cls_bpf}) and no loaded eBPF object: the program is data, read back and compared by reconcile.
 * IPv4 only for now: IPv6 (and every other ethertype) is dropped until IPv6 overlays give endpoints IPv6
 * addresses to allow.
 */
public record PortFilter(String dev, MacAddress mac, InetAddress ip) {
    public PortFilter {
        LinkSpec.checkName(dev);
        if (mac == null || !(ip instanceof Inet4Address)) {
            throw new IllegalArgumentException("port filter on " + dev + " needs a MAC and an IPv4 address");
        }
    }
}
