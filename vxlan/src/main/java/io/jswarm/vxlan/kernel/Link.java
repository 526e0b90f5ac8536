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
 * @param port   the bridge-port flags when the link is a bridge's port, else {@code null}
 */
public record Link(int index, String name, String kind, int mtu, MacAddress mac, boolean up, String master,
                   VxlanInfo vxlan, BridgePort port) {

    /** A link that is no bridge port, or whose port flags were not read. */
    public Link(int index, String name, String kind, int mtu, MacAddress mac, boolean up, String master,
                VxlanInfo vxlan) {
        this(index, name, kind, mtu, mac, up, master, vxlan, null);
    }

    /**
     * The port flags jswarm sets on a sandbox's bridge port ({@code ip link set DEV type bridge_slave}).
     *
     * @param learning BR_LEARNING: the bridge learns source MACs arriving on the port (kernel default on)
     * @param locked   BR_PORT_LOCKED: only frames whose source MAC has an FDB entry on this port pass
     */
    public record BridgePort(boolean learning, boolean locked) {
        /** A port as the kernel makes it: learning, not locked. */
        public static final BridgePort DEFAULT = new BridgePort(true, false);
        /** A sandbox's port: no learning (its FDB entry is static), locked to that entry. */
        public static final BridgePort GUARDED = new BridgePort(false, true);
    }

    /** The VXLAN attributes jswarm sets and checks. */
    public record VxlanInfo(Vni vni, int port, InetAddress local, boolean learning, boolean proxy,
                            boolean l2miss, boolean l3miss) {
    }
}
