package io.jswarm.vxlan.kernel;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * One XFRM policy ({@code ip xfrm policy}): which packets must be ESP-protected, or are blocked. The kernel's
 * identity of a policy is its selector, direction (and mark, always 0 here); {@code SetXfrmPolicy} with the same
 * identity replaces it (XFRM_MSG_UPDPOLICY).
 *
 * @param selector  which packets (addresses, protocol, destination port)
 * @param dir       in (after decryption, on delivery), out (on sending) or fwd
 * @param priority  lower numbers win where selectors overlap
 * @param action    allow (with a template: protect) or block
 * @param template  for allow: the ESP transport SA the packets must use ({@code null}: no protection required,
 *                  which jswarm never writes); ignored for block
 */
public record XfrmPolicy(XfrmSelector selector, Direction dir, int priority, Action action, Template template) {
    public enum Direction { IN, OUT, FWD }

    public enum Action { ALLOW, BLOCK }

    /**
     * The SA a packet must go through ({@code tmpl src S dst D proto esp spi X reqid R mode transport}).
     * {@code src}/{@code dst} {@code null} and {@code spi} 0 match any (for an inbound policy: any jswarm SA).
     */
    public record Template(InetAddress src, InetAddress dst, int spi, int reqid) {
        public Template {
            if ((src != null && !(src instanceof Inet4Address)) || (dst != null && !(dst instanceof Inet4Address))) {
                throw new IllegalArgumentException("template addresses must be IPv4");
            }
        }
    }

    public XfrmPolicy {
        if (selector == null || dir == null || action == null) {
            throw new IllegalArgumentException("policy needs a selector, a direction and an action");
        }
        if (action == Action.BLOCK) {
            template = null;
        }
    }

    /** The kernel's identity of this policy (selector + direction). */
    public Key key() {
        return new Key(selector, dir);
    }

    public record Key(XfrmSelector selector, Direction dir) {
    }
}
