package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Vni;
import java.net.InetAddress;

/**
 * A link as dumped from a namespace.
 *
 * @param kind   the rtnetlink kind ("bridge", "vxlan", "veth", ...) or {@code null} for devices without one (lo)
 * @param master the name of the master device (a bridge port's bridge), or {@code null}
 * @param vxlan  the VXLAN attributes when {@code kind} is "vxlan", else {@code null}
 */
public record Link(int index, String name, String kind, int mtu, MacAddress mac, boolean up, String master,
                   VxlanInfo vxlan) {

    /** The VXLAN attributes jswarm sets and checks. */
    public record VxlanInfo(Vni vni, int port, InetAddress local, boolean learning, boolean proxy,
                            boolean l2miss, boolean l3miss) {
    }
}
