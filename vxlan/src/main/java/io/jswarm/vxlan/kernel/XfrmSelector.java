package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.IpPrefix;

/**
 * Which IPv4 packets a policy applies to ({@code src S dst D proto P dport N}). {@code null} prefixes mean any
 * address (0.0.0.0/0); {@code proto} 0 any protocol; {@code dport} 0 any port (with {@code proto} UDP or TCP).
 */
public record XfrmSelector(IpPrefix src, IpPrefix dst, int proto, int dport) {
    public static final int UDP = 17;

    public XfrmSelector {
        if (proto < 0 || proto > 255 || dport < 0 || dport > 65535) {
            throw new IllegalArgumentException("selector protocol/port out of range: " + proto + "/" + dport);
        }
        if (dport != 0 && proto != UDP && proto != 6) {
            throw new IllegalArgumentException("a selector port needs UDP or TCP");
        }
    }

    /** UDP datagrams to {@code dport} from any address to any address. */
    public static XfrmSelector udpTo(int dport) {
        return new XfrmSelector(null, null, UDP, dport);
    }
}
