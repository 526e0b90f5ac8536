package io.jswarm.vxlan.netlink;

import static io.jswarm.vxlan.netlink.Rtnl.*;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Vni;
import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FdbEntry;
import io.jswarm.vxlan.kernel.Link;
import io.jswarm.vxlan.kernel.Neighbor;
import io.jswarm.vxlan.kernel.Route;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes dump answers (buffers positioned on a message header, as {@link NetlinkChannel#dump} returns
 * them) into the {@code kernel} records. Devices are reported by name, so everything but links needs the
 * index-to-name map of a link dump taken just before.
 */
final class RtnlDecoder {
    private static final int IFINFO_LEN = 16;
    private static final int IFADDR_LEN = 8;
    private static final int RTMSG_LEN = 12;
    private static final int NDMSG_LEN = 12;
    private static final int TCMSG_LEN = 20;

    private RtnlDecoder() {
    }

    /** Interface index to name, from a link dump. */
    static Map<Integer, String> names(List<ByteBuffer> linkDump) {
        Map<Integer, String> names = new HashMap<>();
        for (ByteBuffer m : linkDump) {
            if (m.getShort(4) == RTM_NEWLINK) {
                String name = attrs(m, IFINFO_LEN).string(IFLA_IFNAME);
                if (name != null) {
                    names.put(m.getInt(NLMSG_HDRLEN + 4), name);
                }
            }
        }
        return names;
    }

    static List<Link> links(List<ByteBuffer> linkDump) {
        Map<Integer, String> names = names(linkDump);
        List<Link> links = new ArrayList<>();
        for (ByteBuffer m : linkDump) {
            if (m.getShort(4) != RTM_NEWLINK) {
                continue;
            }
            int index = m.getInt(NLMSG_HDRLEN + 4);
            int flags = m.getInt(NLMSG_HDRLEN + 8);
            NlAttrs a = attrs(m, IFINFO_LEN);
            byte[] mac = a.bytes(IFLA_ADDRESS);
            NlAttrs info = a.nested(IFLA_LINKINFO);
            String kind = info == null ? null : info.string(IFLA_INFO_KIND);
            Link.VxlanInfo vxlan = "vxlan".equals(kind) && info.has(IFLA_INFO_DATA) ? vxlan(info.nested(IFLA_INFO_DATA))
                    : null;
            int master = a.u32(IFLA_MASTER, 0);
            Link.BridgePort port = info != null && "bridge".equals(info.string(IFLA_INFO_SLAVE_KIND))
                    && info.has(IFLA_INFO_SLAVE_DATA) ? bridgePort(info.nested(IFLA_INFO_SLAVE_DATA)) : null;
            links.add(new Link(index, a.string(IFLA_IFNAME), kind, a.u32(IFLA_MTU, 0),
                    mac != null && mac.length == 6 ? MacAddress.of(mac) : null, (flags & IFF_UP) != 0,
                    master == 0 ? null : names.get(master), vxlan, port));
        }
        return links;
    }

    private static Link.BridgePort bridgePort(NlAttrs d) {
        return new Link.BridgePort(d.u8(IFLA_BRPORT_LEARNING, 1) != 0, d.u8(IFLA_BRPORT_LOCKED, 0) != 0);
    }

    private static Link.VxlanInfo vxlan(NlAttrs d) {
        InetAddress local = d.has(IFLA_VXLAN_LOCAL) ? d.address(IFLA_VXLAN_LOCAL) : d.address(IFLA_VXLAN_LOCAL6);
        return new Link.VxlanInfo(Vni.of(d.u32(IFLA_VXLAN_ID, 0)), d.u16Be(IFLA_VXLAN_PORT, 0), local,
                d.u8(IFLA_VXLAN_LEARNING, 0) != 0, d.u8(IFLA_VXLAN_PROXY, 0) != 0, d.u8(IFLA_VXLAN_L2MISS, 0) != 0,
                d.u8(IFLA_VXLAN_L3MISS, 0) != 0);
    }

    static List<Address> addresses(List<ByteBuffer> addrDump, Map<Integer, String> names) {
        List<Address> out = new ArrayList<>();
        for (ByteBuffer m : addrDump) {
            if (m.getShort(4) != RTM_NEWADDR) {
                continue;
            }
            int prefixLength = m.get(NLMSG_HDRLEN + 1) & 0xFF;
            String dev = names.get(m.getInt(NLMSG_HDRLEN + 4));
            NlAttrs a = attrs(m, IFADDR_LEN);
            // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point links.
            InetAddress ip = a.has(IFA_LOCAL) ? a.address(IFA_LOCAL) : a.address(IFA_ADDRESS);
            if (dev != null && ip != null) {
                out.add(new Address(dev, IpPrefix.of(ip, prefixLength)));
            }
        }
        return out;
    }

    /** Unicast routes of the main table. */
    static List<Route> routes(List<ByteBuffer> routeDump, Map<Integer, String> names) {
        List<Route> out = new ArrayList<>();
        for (ByteBuffer m : routeDump) {
            int h = NLMSG_HDRLEN;
            if (m.getShort(4) != RTM_NEWROUTE || (m.get(h + 7) & 0xFF) != RTN_UNICAST) {
                continue;
            }
            NlAttrs a = attrs(m, RTMSG_LEN);
            if (a.u32(RTA_TABLE, m.get(h + 4) & 0xFF) != RT_TABLE_MAIN) {
                continue;
            }
            int family = m.get(h) & 0xFF;
            InetAddress dst = a.address(RTA_DST);
            if (dst == null) {
                dst = IpPrefix.parseAddress(family == AF_INET ? "0.0.0.0" : "::");
            }
            String dev = names.get(a.u32(RTA_OIF, 0));
            InetAddress gateway = a.address(RTA_GATEWAY);
            if (dev != null || gateway != null) {
                out.add(new Route(IpPrefix.of(dst, m.get(h + 1) & 0xFF), gateway, dev));
            }
        }
        return out;
    }

    /** IPv4/IPv6 neighbours (AF_BRIDGE entries are {@link #fdb}). */
    static List<Neighbor> neighbors(List<ByteBuffer> neighDump, Map<Integer, String> names) {
        List<Neighbor> out = new ArrayList<>();
        for (ByteBuffer m : neighDump) {
            int family = m.get(NLMSG_HDRLEN) & 0xFF;
            if (m.getShort(4) != RTM_NEWNEIGH || (family != AF_INET && family != AF_INET6)) {
                continue;
            }
            String dev = names.get(m.getInt(NLMSG_HDRLEN + 4));
            int state = m.getShort(NLMSG_HDRLEN + 8) & 0xFFFF;
            NlAttrs a = attrs(m, NDMSG_LEN);
            InetAddress ip = a.address(NDA_DST);
            if (dev != null && ip != null) {
                out.add(new Neighbor(dev, ip, mac(a.bytes(NDA_LLADDR)), (state & NUD_PERMANENT) != 0));
            }
        }
        return out;
    }

    static List<FdbEntry> fdb(List<ByteBuffer> fdbDump, Map<Integer, String> names) {
        List<FdbEntry> out = new ArrayList<>();
        for (ByteBuffer m : fdbDump) {
            if (m.getShort(4) != RTM_NEWNEIGH || (m.get(NLMSG_HDRLEN) & 0xFF) != AF_BRIDGE) {
                continue;
            }
            String dev = names.get(m.getInt(NLMSG_HDRLEN + 4));
            int state = m.getShort(NLMSG_HDRLEN + 8) & 0xFFFF;
            int flags = m.get(NLMSG_HDRLEN + 10) & 0xFF;
            NlAttrs a = attrs(m, NDMSG_LEN);
            MacAddress mac = mac(a.bytes(NDA_LLADDR));
            if (dev != null && mac != null) {
                boolean sticky = (flags & NTF_STICKY) != 0 && (flags & NTF_SELF) == 0 && (state & NUD_PERMANENT) == 0
                        && !a.has(NDA_DST);
                out.add(new FdbEntry(dev, mac, a.address(NDA_DST), (flags & NTF_SELF) != 0,
                        (state & NUD_PERMANENT) != 0, sticky));
            }
        }
        return out;
    }

    /** One filter on an ingress as dumped: prio, protocol, kind, and for a classic-BPF filter its program. */
    record TcFilter(int prio, int ethType, String kind, byte[] bpfOps, boolean directAction) {
    }

    /** The filters of an ingress filter dump; chain heads (handle 0) are skipped. */
    static List<TcFilter> filters(List<ByteBuffer> filterDump) {
        List<TcFilter> out = new ArrayList<>();
        for (ByteBuffer m : filterDump) {
            if (m.getShort(4) != RTM_NEWTFILTER || m.getInt(NLMSG_HDRLEN + 8) == 0) {
                continue;
            }
            int info = m.getInt(NLMSG_HDRLEN + 16);
            NlAttrs a = attrs(m, TCMSG_LEN);
            NlAttrs o = a.nested(TCA_OPTIONS);
            byte[] ops = o == null ? null : o.bytes(TCA_BPF_OPS);
            boolean da = o != null && (o.u32(TCA_BPF_FLAGS, 0) & TCA_BPF_FLAG_ACT_DIRECT) != 0;
            out.add(new TcFilter(info >>> 16, Short.toUnsignedInt(Short.reverseBytes((short) info)), a.string(TCA_KIND),
                    ops, da));
        }
        return out;
    }

    private static MacAddress mac(byte[] b) {
        return b != null && b.length == 6 ? MacAddress.of(b) : null;
    }

    private static NlAttrs attrs(ByteBuffer m, int fixedHeader) {
        int from = NLMSG_HDRLEN + ((fixedHeader + 3) & ~3);
        return NlAttrs.parse(m, from, m.getInt(0));
    }
}
