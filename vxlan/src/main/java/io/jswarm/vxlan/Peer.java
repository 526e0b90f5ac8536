package io.jswarm.vxlan;

import java.net.InetAddress;

/**
 * A remote endpoint on a network: programmed as a permanent neighbour entry ({@code ip -> mac}) and a
 * permanent FDB entry ({@code mac -> vtep}) on {@code vxlan0}. Peers are keyed by {@code ip} within a network.
 */
public record Peer(InetAddress ip, MacAddress mac, InetAddress vtep) {
    public Peer {
        if (ip == null || mac == null || vtep == null) {
            throw new IllegalArgumentException("peer needs ip, mac and vtep");
        }
    }
}
