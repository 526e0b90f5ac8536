package io.jswarm.vxlan.kernel;

/** What the kernel reports on NETLINK_XFRM's multicast groups, as far as jswarm listens. */
public sealed interface XfrmEvent {

    /** XFRM_MSG_EXPIRE: an SA reached a soft limit ({@code hard} false: still usable) or a hard one (deleted). */
    record Expired(XfrmId id, int reqid, boolean hard) implements XfrmEvent {
    }
}
