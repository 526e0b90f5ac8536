package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.Vni;
import java.net.InetAddress;

/**
 * What to create with {@link KernelChange.AddLink}. An {@code mtu} of 0 and a {@code null} MAC leave the
 * kernel's default. Interface names follow the kernel's rule: 1 to 15 bytes, no '/', ':' or white space.
 */
public sealed interface LinkSpec {
    String name();

    record Bridge(String name, int mtu, MacAddress mac) implements LinkSpec {
        public Bridge {
            checkName(name);
            checkMtu(mtu);
        }
    }

    /**
     * A VXLAN device. {@code local} is the VTEP (underlay) address, which must live in the namespace the
     * device is created in; the device may be moved to another namespace afterwards and keeps its socket in
     * the namespace of creation (that is how Docker keeps the underlay out of the overlay namespace).
     */
    record Vxlan(String name, Vni vni, int port, InetAddress local, int mtu,
                 boolean learning, boolean proxy, boolean l2miss, boolean l3miss) implements LinkSpec {
        public Vxlan {
            checkName(name);
            checkMtu(mtu);
            if (vni == null) {
                throw new IllegalArgumentException("vxlan " + name + ": VNI is required");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("vxlan " + name + ": UDP port must be 1..65535, got " + port);
            }
        }
    }

    /** A veth pair; the peer is created directly in {@code peerNs} (no move afterwards). */
    record Veth(String name, int mtu, MacAddress mac, String peerName, Netns peerNs, MacAddress peerMac)
            implements LinkSpec {
        public Veth {
            checkName(name);
            checkName(peerName);
            checkMtu(mtu);
            if (peerNs == null) {
                throw new IllegalArgumentException("veth " + name + ": peer namespace is required");
            }
        }
    }

    static void checkName(String name) {
        if (name == null || name.isEmpty() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 15
                || !InterfaceNames.PATTERN.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("bad interface name: '" + name + "' (1-15 bytes, no '/', ':' or space)");
        }
    }

    private static void checkMtu(int mtu) {
        if (mtu != 0 && (mtu < 68 || mtu > 65535)) {
            throw new IllegalArgumentException("MTU must be 68..65535 (or 0 for the default), got " + mtu);
        }
    }
}
