package io.jswarm.vxlan;

import java.net.InetAddress;

/**
 * What one overlay network needs on one host.
 *
 * @param id          short network id (1-12 chars of [a-z0-9]); names the network namespace and devices
 * @param vni         the VXLAN id
 * @param gateway     the gateway address with the subnet's prefix length, set on {@code br0} (e.g. 10.0.1.1/24)
 * @param vtep        this host's data-path (underlay) address; must be an address of the host namespace
 * @param port        VXLAN UDP destination port (Docker's {@code --data-path-port}, default 4789)
 * @param underlayMtu MTU of the underlay path, or 0 to use the MTU of the device holding {@code vtep};
 *                    overlay devices get this minus {@link #VXLAN_OVERHEAD}, or for an encrypted network
 *                    {@link Esp#overlayMtu} of it
 * @param encrypted   carried in ESP between the VTEPs (issue 11): the port must be {@link Esp#PORT}, which no
 *                    unencrypted network may use (the host's catch-all policies drop plaintext on it)
 */
public record NetworkSpec(String id, Vni vni, IpPrefix gateway, InetAddress vtep, int port, int underlayMtu,
                          boolean encrypted) {
    public static final int DEFAULT_PORT = 4789;
    /** Inner Ethernet 14 + outer IPv4 20 + UDP 8 + VXLAN 8. */
    public static final int VXLAN_OVERHEAD = 50;

    public NetworkSpec {
        if (id == null || !id.matches("[a-z0-9]{1,12}")) {
            throw new IllegalArgumentException("network id must be 1-12 characters of [a-z0-9], got '" + id + "'");
        }
        if (vni == null || gateway == null || vtep == null) {
            throw new IllegalArgumentException("network " + id + ": VNI, gateway and VTEP are required");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("network " + id + ": port must be 1..65535, got " + port);
        }
        if (underlayMtu != 0 && underlayMtu < 68 + VXLAN_OVERHEAD) {
            throw new IllegalArgumentException("network " + id + ": underlay MTU too small: " + underlayMtu);
        }
        if (encrypted != (port == Esp.PORT)) {
            throw new IllegalArgumentException("network " + id + ": " + (encrypted
                    ? "an encrypted network uses VXLAN port " + Esp.PORT + ", got " + port
                    : "port " + Esp.PORT + " is reserved for encrypted networks"));
        }
        if (encrypted && underlayMtu != 0 && Esp.overlayMtu(underlayMtu) < 68) {
            throw new IllegalArgumentException("network " + id + ": underlay MTU too small for ESP: " + underlayMtu);
        }
        if (gateway.network().address().equals(gateway.address())) {
            throw new IllegalArgumentException("network " + id + ": gateway " + gateway + " is the subnet address");
        }
    }

    /** An unencrypted network. */
    public NetworkSpec(String id, Vni vni, IpPrefix gateway, InetAddress vtep, int port, int underlayMtu) {
        this(id, vni, gateway, vtep, port, underlayMtu, false);
    }

    /** The same network carried in ESP: port {@link Esp#PORT}. */
    public NetworkSpec withEncryption() {
        return new NetworkSpec(id, vni, gateway, vtep, Esp.PORT, underlayMtu, true);
    }

    /** The MTU of the overlay devices for an underlay of {@code underlay}. */
    public int overlayMtu(int underlay) {
        return encrypted ? Esp.overlayMtu(underlay) : underlay - VXLAN_OVERHEAD;
    }

    public static NetworkSpec of(String id, int vni, String gateway, InetAddress vtep) {
        return new NetworkSpec(id, Vni.of(vni), IpPrefix.parse(gateway), vtep, DEFAULT_PORT, 0);
    }

    /** The subnet, e.g. 10.0.1.0/24 for gateway 10.0.1.1/24. */
    public IpPrefix subnet() {
        return gateway.network();
    }
}
