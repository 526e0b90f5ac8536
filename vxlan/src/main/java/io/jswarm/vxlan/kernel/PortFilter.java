package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.MacAddress;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * The source filter on a sandbox's bridge port (tc {@code clsact} ingress of the port, that is of the frames
 * the sandbox sends): IPv4 passes only with source {@code ip}, ARP only with sender {@code ip} and sender MAC
 * {@code mac}; everything else is dropped before the bridge sees it. In tc terms:
 * <pre>
 * tc qdisc add dev DEV clsact
 * tc filter add dev DEV ingress prio 1 handle 1 protocol ip  flower skip_hw src_ip IP action ok
 * tc filter add dev DEV ingress prio 2 handle 1 protocol arp flower skip_hw arp_sip IP arp_sha MAC action ok
 * tc filter add dev DEV ingress prio 3 handle 1 protocol all flower skip_hw action drop
 * </pre>
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
