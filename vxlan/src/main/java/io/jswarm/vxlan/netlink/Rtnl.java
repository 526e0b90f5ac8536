package io.jswarm.vxlan.netlink;

/** rtnetlink numbers from the kernel's uapi headers (linux/netlink.h, rtnetlink.h, if_link.h, neighbour.h). */
final class Rtnl {
    static final int NLMSG_HDRLEN = 16;
    static final int NLMSG_NOOP = 1;
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;

    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_MULTI = 0x2;
    static final int NLM_F_ACK = 0x4;
    static final int NLM_F_DUMP_INTR = 0x10;
    static final int NLM_F_DUMP = 0x300;
    static final int NLM_F_REPLACE = 0x100;
    static final int NLM_F_EXCL = 0x200;
    static final int NLM_F_CREATE = 0x400;
    static final int NLM_F_APPEND = 0x800;
    /** In an NLMSG_ERROR: extended-ack attributes follow the (possibly capped) request header. */
    static final int NLM_F_CAPPED = 0x100;
    static final int NLM_F_ACK_TLVS = 0x200;
    static final int NLMSGERR_ATTR_MSG = 1;

    static final int RTM_NEWLINK = 16;
    static final int RTM_DELLINK = 17;
    static final int RTM_GETLINK = 18;
    static final int RTM_NEWADDR = 20;
    static final int RTM_DELADDR = 21;
    static final int RTM_GETADDR = 22;
    static final int RTM_NEWROUTE = 24;
    static final int RTM_DELROUTE = 25;
    static final int RTM_GETROUTE = 26;
    static final int RTM_NEWNEIGH = 28;
    static final int RTM_DELNEIGH = 29;
    static final int RTM_GETNEIGH = 30;
    static final int RTM_NEWQDISC = 36;
    static final int RTM_DELQDISC = 37;
    static final int RTM_NEWTFILTER = 44;
    static final int RTM_GETTFILTER = 46;

    static final int AF_UNSPEC = 0;
    static final int AF_INET = 2;
    static final int AF_BRIDGE = 7;
    static final int AF_INET6 = 10;

    static final int IFF_UP = 1;
    static final int IFLA_ADDRESS = 1;
    static final int IFLA_IFNAME = 3;
    static final int IFLA_MTU = 4;
    static final int IFLA_MASTER = 10;
    static final int IFLA_LINKINFO = 18;
    static final int IFLA_NET_NS_FD = 28;
    static final int IFLA_INFO_KIND = 1;
    static final int IFLA_INFO_DATA = 2;
    static final int VETH_INFO_PEER = 1;
    static final int IFLA_INFO_SLAVE_KIND = 4;
    static final int IFLA_INFO_SLAVE_DATA = 5;
    static final int IFLA_BRPORT_LEARNING = 8;
    static final int IFLA_BRPORT_LOCKED = 39;

    static final int IFLA_VXLAN_ID = 1;
    static final int IFLA_VXLAN_LOCAL = 4;
    static final int IFLA_VXLAN_LEARNING = 7;
    static final int IFLA_VXLAN_PROXY = 11;
    static final int IFLA_VXLAN_L2MISS = 13;
    static final int IFLA_VXLAN_L3MISS = 14;
    static final int IFLA_VXLAN_PORT = 15;
    static final int IFLA_VXLAN_LOCAL6 = 17;

    static final int IFA_ADDRESS = 1;
    static final int IFA_LOCAL = 2;

    static final int RT_TABLE_MAIN = 254;
    static final int RTPROT_UNSPEC = 0;
    static final int RTPROT_STATIC = 4;
    static final int RT_SCOPE_UNIVERSE = 0;
    static final int RT_SCOPE_LINK = 253;
    static final int RT_SCOPE_NOWHERE = 255;
    static final int RTN_UNSPEC = 0;
    static final int RTN_UNICAST = 1;
    static final int RTA_DST = 1;
    static final int RTA_OIF = 4;
    static final int RTA_GATEWAY = 5;
    static final int RTA_TABLE = 15;

    static final int NUD_REACHABLE = 0x02;
    static final int NUD_NOARP = 0x40;
    static final int NUD_PERMANENT = 0x80;
    static final int NTF_SELF = 0x02;
    static final int NTF_MASTER = 0x04;
    static final int NTF_STICKY = 0x40;

    /** tc (linux/pkt_sched.h, pkt_cls.h). */
    static final int TCA_KIND = 1;
    static final int TCA_OPTIONS = 2;
    static final int TC_H_CLSACT = 0xFFFFFFF1;
    static final int TC_H_CLSACT_HANDLE = 0xFFFF0000;
    static final int TC_H_INGRESS_PARENT = 0xFFFFFFF2;
    static final int TCA_BPF_OPS_LEN = 4;
    static final int TCA_BPF_OPS = 5;
    static final int TCA_BPF_FLAGS = 8;
    static final int TCA_BPF_FLAG_ACT_DIRECT = 1;
    static final int ETH_P_ALL = 0x0003;
    static final int NDA_DST = 1;
    static final int NDA_LLADDR = 2;

    private Rtnl() {
    }

    static String typeName(int type) {
        return switch (type) {
            case RTM_NEWLINK -> "RTM_NEWLINK";
            case RTM_DELLINK -> "RTM_DELLINK";
            case RTM_GETLINK -> "RTM_GETLINK";
            case RTM_NEWADDR -> "RTM_NEWADDR";
            case RTM_DELADDR -> "RTM_DELADDR";
            case RTM_GETADDR -> "RTM_GETADDR";
            case RTM_NEWROUTE -> "RTM_NEWROUTE";
            case RTM_DELROUTE -> "RTM_DELROUTE";
            case RTM_GETROUTE -> "RTM_GETROUTE";
            case RTM_NEWNEIGH -> "RTM_NEWNEIGH";
            case RTM_DELNEIGH -> "RTM_DELNEIGH";
            case RTM_GETNEIGH -> "RTM_GETNEIGH";
            case RTM_NEWQDISC -> "RTM_NEWQDISC";
            case RTM_DELQDISC -> "RTM_DELQDISC";
            case RTM_NEWTFILTER -> "RTM_NEWTFILTER";
            case RTM_GETTFILTER -> "RTM_GETTFILTER";
            case NLMSG_NOOP -> "NLMSG_NOOP";
            default -> "type " + type;
        };
    }
}
