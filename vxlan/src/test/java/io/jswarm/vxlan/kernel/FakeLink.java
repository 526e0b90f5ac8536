package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;

/**
 * One device inside a {@link FakeKernel} namespace. Mutable, guarded by the kernel's lock. The master and
 * the veth peer are held as object references (not names) so renames and moves keep them consistent, the
 * way the kernel keeps ifindex-based references.
 */
final class FakeLink {
    int index;
    String name;
    final String kind;
    int mtu;
    MacAddress mac;
    boolean up;
    FakeLink master;
    FakeNetns ns;
    /** VXLAN attributes, or null. */
    final Link.VxlanInfo vxlan;
    /** The namespace the VXLAN device was created in: its VNI is reserved there, wherever it moves. */
    final Netns creationNs;
    /** The other end of a veth pair, or null. */
    FakeLink peer;
    /** Bridge-port flags while {@link #master} is set (the kernel makes them anew on each enslave), else null. */
    Link.BridgePort port;
    /** The source filter on the device's ingress, or null; it dies with the device. */
    PortFilter filter;

    FakeLink(String name, String kind, int mtu, MacAddress mac, Link.VxlanInfo vxlan, Netns creationNs) {
        this.name = name;
        this.kind = kind;
        this.mtu = mtu;
        this.mac = mac;
        this.vxlan = vxlan;
        this.creationNs = creationNs;
    }

    boolean isBridge() {
        return "bridge".equals(kind);
    }

    Link toLink() {
        return new Link(index, name, kind, mtu, mac, up, master == null ? null : master.name, vxlan,
                master == null ? null : port);
    }
}
