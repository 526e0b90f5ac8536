package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.MacAddress;
import java.net.InetAddress;

/**
 * A neighbour (ARP/NDP) entry. jswarm only writes permanent ones; dumps also return the kernel's own
 * (reachable, stale, ...) with {@code permanent == false} and possibly no MAC.
 */
public record Neighbor(String dev, InetAddress ip, MacAddress mac, boolean permanent) {
    public Neighbor {
        LinkSpec.checkName(dev);
        if (ip == null) {
            throw new IllegalArgumentException("neighbour IP is required");
        }
    }

    public static Neighbor permanent(String dev, InetAddress ip, MacAddress mac) {
        if (mac == null) {
            throw new IllegalArgumentException("a permanent neighbour needs a MAC");
        }
        return new Neighbor(dev, ip, mac, true);
    }
}
