package io.jswarm.vxlan.netlink;

import static io.jswarm.vxlan.netlink.Rtnl.*;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.kernel.LinkSpec;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * Encodes rtnetlink requests with interface indexes already resolved. Attribute order and flags follow what
 * iproute2 sends for the equivalent command (the tests compare byte for byte), except where noted. Every
 * request asks for an ACK; the channel clears NLM_F_ACK when it uses the errors-only strategy.
 * Not thread-safe (one reusable writer).
 */
final class RtnlEncoder {
    static final int ADD = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE;
    static final int SET = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
    static final int MODIFY = NLM_F_REQUEST | NLM_F_ACK;

    /** Means "no namespace fd": the new device's peer stays in the namespace of the socket. */
    static final int SAME_NS = -1;

    private final NlWriter w = new NlWriter();

    /** RTM_NEWLINK, exclusive. {@code peerNsFd} is for veth peers ({@link #SAME_NS} keeps the peer here). */
    byte[] addLink(LinkSpec spec, int peerNsFd) {
        w.begin(RTM_NEWLINK, ADD);
        ifinfo(0, 0, 0);
        switch (spec) {
            case LinkSpec.Bridge b -> {
                common(b.name(), b.mtu(), b.mac());
                int info = w.beginNest(IFLA_LINKINFO);
                w.attrBareString(IFLA_INFO_KIND, "bridge");
                w.endNest(info);
            }
            case LinkSpec.Vxlan v -> {
                common(v.name(), v.mtu(), null);
                int info = w.beginNest(IFLA_LINKINFO);
                w.attrBareString(IFLA_INFO_KIND, "vxlan");
                int data = w.beginNest(IFLA_INFO_DATA);
                vxlanData(v);
                w.endNest(data);
                w.endNest(info);
            }
            case LinkSpec.Veth v -> {
                common(v.name(), v.mtu(), v.mac());
                int info = w.beginNest(IFLA_LINKINFO);
                w.attrBareString(IFLA_INFO_KIND, "veth");
                int data = w.beginNest(IFLA_INFO_DATA);
                int peer = w.beginNest(VETH_INFO_PEER);
                ifinfo(0, 0, 0);
                peer(v, peerNsFd);
                w.endNest(peer);
                w.endNest(data);
                w.endNest(info);
            }
        }
        return w.finish();
    }

    private void common(String name, int mtu, MacAddress mac) {
        if (mtu > 0) {
            w.attrU32(IFLA_MTU, mtu);
        }
        if (mac != null) {
            w.attr(IFLA_ADDRESS, mac.bytes());
        }
        w.attrString(IFLA_IFNAME, name);
    }

    /** Order as iproute2 emits it for "id N dstport P local A nolearning proxy l2miss l3miss". */
    private void vxlanData(LinkSpec.Vxlan v) {
        w.attrU8(IFLA_VXLAN_PROXY, v.proxy() ? 1 : 0);
        w.attrU8(IFLA_VXLAN_L2MISS, v.l2miss() ? 1 : 0);
        w.attrU8(IFLA_VXLAN_L3MISS, v.l3miss() ? 1 : 0);
        w.attrU32(IFLA_VXLAN_ID, v.vni().value());
        if (v.local() != null) {
            w.attr(v.local() instanceof Inet4Address ? IFLA_VXLAN_LOCAL : IFLA_VXLAN_LOCAL6, v.local().getAddress());
        }
        w.attrU8(IFLA_VXLAN_LEARNING, v.learning() ? 1 : 0);
        w.attrU16Be(IFLA_VXLAN_PORT, v.port());
    }

    private void peer(LinkSpec.Veth v, int peerNsFd) {
        if (v.mtu() > 0) {
            w.attrU32(IFLA_MTU, v.mtu());
        }
        if (v.peerMac() != null) {
            w.attr(IFLA_ADDRESS, v.peerMac().bytes());
        }
        if (peerNsFd != SAME_NS) {
            w.attrU32(IFLA_NET_NS_FD, peerNsFd);
        }
        w.attrString(IFLA_IFNAME, v.peerName());
    }

    byte[] deleteLink(int index) {
        w.begin(RTM_DELLINK, MODIFY);
        ifinfo(index, 0, 0);
        return w.finish();
    }

    /** Moves link {@code index} into the namespace behind {@code nsFd}, naming it {@code newName} there. */
    byte[] moveLink(int index, int nsFd, String newName) {
        w.begin(RTM_NEWLINK, MODIFY);
        ifinfo(index, 0, 0);
        w.attrU32(IFLA_NET_NS_FD, nsFd);
        w.attrString(IFLA_IFNAME, newName);
        return w.finish();
    }

    /**
     * RTM_NEWLINK on an existing link; {@code null} leaves a field as it is; {@code master} 0 detaches.
     */
    byte[] setLink(int index, Boolean up, Integer mtu, MacAddress mac, Integer master) {
        w.begin(RTM_NEWLINK, MODIFY);
        ifinfo(index, up == null ? 0 : (up ? IFF_UP : 0), up == null ? 0 : IFF_UP);
        if (mtu != null) {
            w.attrU32(IFLA_MTU, mtu);
        }
        if (mac != null) {
            w.attr(IFLA_ADDRESS, mac.bytes());
        }
        if (master != null) {
            w.attrU32(IFLA_MASTER, master);
        }
        return w.finish();
    }

    /** RTM_NEWLINK with the bridge-port flags as slave data ({@code ip link set DEV type bridge_slave ...}). */
    byte[] setBridgePort(int index, boolean learning, boolean locked) {
        w.begin(RTM_NEWLINK, MODIFY);
        ifinfo(index, 0, 0);
        int info = w.beginNest(IFLA_LINKINFO);
        w.attrBareString(IFLA_INFO_SLAVE_KIND, "bridge");
        int data = w.beginNest(IFLA_INFO_SLAVE_DATA);
        w.attrU8(IFLA_BRPORT_LEARNING, learning ? 1 : 0);
        w.attrU8(IFLA_BRPORT_LOCKED, locked ? 1 : 0);
        w.endNest(data);
        w.endNest(info);
        return w.finish();
    }

    /** RTM_NEWQDISC clsact, exclusive ({@code tc qdisc add dev D clsact}), or RTM_DELQDISC of it. */
    byte[] clsact(boolean add, int index) {
        w.begin(add ? RTM_NEWQDISC : RTM_DELQDISC, add ? ADD : MODIFY);
        tcmsg(index, TC_H_CLSACT_HANDLE, TC_H_CLSACT, 0);
        if (add) {
            w.attrString(TCA_KIND, "clsact");
        }
        return w.finish();
    }

    /**
     * RTM_NEWTFILTER, exclusive: a classic-BPF filter in direct-action mode on the ingress of {@code index}, prio 1,
     * handle 1, every protocol ({@code tc filter add dev D ingress prio 1 handle 1 protocol all bpf da bytecode ..}).
     * {@code ops} are struct sock_filter (8 bytes each, host order).
     */
    byte[] bpfFilter(int index, byte[] ops) {
        w.begin(RTM_NEWTFILTER, ADD);
        tcmsg(index, 1, TC_H_INGRESS_PARENT, (1 << 16) | Short.toUnsignedInt(Short.reverseBytes((short) ETH_P_ALL)));
        w.attrString(TCA_KIND, "bpf");
        int options = w.beginNest(TCA_OPTIONS);
        w.attr(TCA_BPF_OPS_LEN, new byte[] {(byte) (ops.length / 8), (byte) ((ops.length / 8) >>> 8)});
        w.attr(TCA_BPF_OPS, ops);
        w.attrU32(TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
        w.endNest(options);
        return w.finish();
    }

    /** A dump of the filters on the ingress of {@code index} ({@code tc filter show dev D ingress}). */
    byte[] dumpIngressFilters(int index) {
        w.begin(RTM_GETTFILTER, NLM_F_REQUEST | NLM_F_DUMP);
        tcmsg(index, 0, TC_H_INGRESS_PARENT, 0);
        return w.finish();
    }

    private void tcmsg(int index, int handle, int parent, int info) {
        w.u8(AF_UNSPEC).u8(0).u16(0).u32(index).u32(handle).u32(parent).u32(info);
    }

    private void ifinfo(int index, int flags, int change) {
        w.u8(AF_UNSPEC).u8(0).u16(0).u32(index).u32(flags).u32(change);
    }

    /** RTM_NEWADDR with CREATE|REPLACE ({@code ip addr replace}) or RTM_DELADDR. */
    byte[] address(boolean add, int index, IpPrefix prefix) {
        w.begin(add ? RTM_NEWADDR : RTM_DELADDR, add ? SET : MODIFY);
        w.u8(family(prefix.address())).u8(prefix.length()).u8(0).u8(0).u32(index);
        byte[] a = prefix.address().getAddress();
        w.attr(IFA_LOCAL, a).attr(IFA_ADDRESS, a);
        return w.finish();
    }

    /**
     * RTM_NEWROUTE (replace, main table, unicast, proto static) or RTM_DELROUTE. A delete leaves protocol,
     * scope and type unspecified so it matches the route whoever installed it ({@code ip route del} does so).
     * {@code oif} 0 means "no device".
     */
    byte[] route(boolean replace, IpPrefix dst, InetAddress gateway, int oif) {
        w.begin(replace ? RTM_NEWROUTE : RTM_DELROUTE, replace ? SET : MODIFY);
        int scope = !replace ? RT_SCOPE_NOWHERE : gateway == null ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
        w.u8(family(dst.address())).u8(dst.length()).u8(0).u8(0).u8(RT_TABLE_MAIN)
                .u8(replace ? RTPROT_STATIC : RTPROT_UNSPEC).u8(scope).u8(replace ? RTN_UNICAST : RTN_UNSPEC).u32(0);
        if (dst.length() > 0) {
            w.attr(RTA_DST, dst.address().getAddress());
        }
        if (gateway != null) {
            w.attr(RTA_GATEWAY, gateway.getAddress());
        }
        if (oif != 0) {
            w.attrU32(RTA_OIF, oif);
        }
        return w.finish();
    }

    /** RTM_NEWNEIGH permanent, CREATE|REPLACE ({@code ip neigh replace ... nud permanent}). */
    byte[] setNeighbor(int index, InetAddress ip, MacAddress mac) {
        w.begin(RTM_NEWNEIGH, SET);
        ndmsg(family(ip), index, NUD_PERMANENT, 0);
        w.attr(NDA_DST, ip.getAddress()).attr(NDA_LLADDR, mac.bytes());
        return w.finish();
    }

    byte[] deleteNeighbor(int index, InetAddress ip) {
        w.begin(RTM_DELNEIGH, MODIFY);
        ndmsg(family(ip), index, NUD_PERMANENT, 0);
        w.attr(NDA_DST, ip.getAddress());
        return w.finish();
    }

    /**
     * AF_BRIDGE RTM_NEWNEIGH, CREATE|REPLACE ({@code bridge fdb replace MAC dev D dst IP self permanent}).
     * Non-permanent entries are NUD_REACHABLE as iproute2's "dynamic"; not-self ones go to the master.
     */
    byte[] setFdb(int index, MacAddress mac, InetAddress dst, boolean self, boolean permanent) {
        return setFdb(index, mac, dst, self, permanent, false);
    }

    /** As above; {@code sticky}: {@code bridge fdb replace MAC dev PORT master static sticky}. */
    byte[] setFdb(int index, MacAddress mac, InetAddress dst, boolean self, boolean permanent, boolean sticky) {
        w.begin(RTM_NEWNEIGH, SET);
        if (sticky) {
            // "master static sticky": NUD_NOARP alone is the bridge's static entry (NUD_PERMANENT would make it local).
            ndmsg(AF_BRIDGE, index, NUD_NOARP, NTF_MASTER | NTF_STICKY);
        } else {
            ndmsg(AF_BRIDGE, index, NUD_NOARP | (permanent ? NUD_PERMANENT : NUD_REACHABLE),
                    self ? NTF_SELF : NTF_MASTER);
        }
        fdbAttrs(mac, dst);
        return w.finish();
    }

    /** AF_BRIDGE RTM_DELNEIGH of the device's own entry ({@code bridge fdb del MAC dev D [dst IP] self}). */
    byte[] deleteFdb(int index, MacAddress mac, InetAddress dst) {
        w.begin(RTM_DELNEIGH, MODIFY);
        ndmsg(AF_BRIDGE, index, NUD_NOARP | NUD_PERMANENT, NTF_SELF);
        fdbAttrs(mac, dst);
        return w.finish();
    }

    private void fdbAttrs(MacAddress mac, InetAddress dst) {
        w.attr(NDA_LLADDR, mac.bytes());
        if (dst != null) {
            w.attr(NDA_DST, dst.getAddress());
        }
    }

    private void ndmsg(int family, int index, int state, int flags) {
        w.u8(family).u8(0).u16(0).u32(index).u16(state).u8(flags).u8(0);
    }

    /** A dump request: RTM_GET* with NLM_F_DUMP and the family-specific header zeroed but for the family. */
    byte[] dump(int type, int family) {
        w.begin(type, NLM_F_REQUEST | NLM_F_DUMP);
        int headerLength = switch (type) {
            case RTM_GETLINK -> 16;
            case RTM_GETADDR -> 8;
            case RTM_GETROUTE -> 12;
            case RTM_GETNEIGH -> 12;
            default -> throw new IllegalArgumentException("not a dump type: " + type);
        };
        w.u8(family).zeros(headerLength - 1);
        return w.finish();
    }

    /** NLMSG_NOOP with NLM_F_ACK: the kernel acknowledges it after everything sent before it in the batch. */
    byte[] barrier() {
        w.begin(NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK);
        return w.finish();
    }

    static int family(InetAddress a) {
        return a instanceof Inet4Address ? AF_INET : AF_INET6;
    }
}
