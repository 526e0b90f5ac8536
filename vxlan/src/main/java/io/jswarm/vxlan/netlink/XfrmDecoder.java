package io.jswarm.vxlan.netlink;

import static io.jswarm.vxlan.netlink.Rtnl.AF_INET;
import static io.jswarm.vxlan.netlink.Rtnl.NLMSG_HDRLEN;
import static io.jswarm.vxlan.netlink.Xfrm.*;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.kernel.XfrmCounters;
import io.jswarm.vxlan.kernel.XfrmEvent;
import io.jswarm.vxlan.kernel.XfrmId;
import io.jswarm.vxlan.kernel.XfrmLimits;
import io.jswarm.vxlan.kernel.XfrmPolicy;
import io.jswarm.vxlan.kernel.XfrmSelector;
import io.jswarm.vxlan.kernel.XfrmState;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes NETLINK_XFRM dump answers and notifications (buffers positioned on a message header) into the
 * {@code kernel} records. Keeps only what the records can say: IPv4 ESP transport SAs with {@code rfc4106(gcm(aes))}
 * and IPv4 policies (not socket policies); the rest of the namespace's IPsec is someone else's and is skipped.
 */
final class XfrmDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(XfrmDecoder.class);
    private static final int SA = NLMSG_HDRLEN; // struct xfrm_usersa_info starts right after the header
    private static final int SA_ID = SA + SELECTOR_LEN;
    private static final int SA_SADDR = SA + 80;
    private static final int SA_LFT = SA + 96;
    private static final int SA_CUR = SA + 160;
    private static final int SA_STATS = SA + 192;
    private static final int SA_REQID = SA + 208;
    private static final int SA_FAMILY = SA + 212;
    private static final int SA_MODE = SA + 214;
    private static final int SA_WINDOW = SA + 215;
    private static final int POL = NLMSG_HDRLEN;
    private static final int POL_PRIORITY = POL + 152;
    private static final int POL_DIR = POL + 160;
    private static final int POL_ACTION = POL + 161;

    private XfrmDecoder() {
    }

    static List<XfrmState> states(List<ByteBuffer> dump) {
        List<XfrmState> out = new ArrayList<>();
        for (ByteBuffer m : dump) {
            if (m.getShort(4) == XFRM_MSG_NEWSA && m.limit() >= SA + USERSA_INFO_LEN) {
                XfrmState s = state(m);
                if (s != null) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** One SA, or {@code null} if it is not of the kind jswarm writes. */
    static XfrmState state(ByteBuffer m) {
        if ((m.get(SA_ID + 20) & 0xFF) != IPPROTO_ESP || (m.getShort(SA_FAMILY) & 0xFFFF) != AF_INET
                || (m.get(SA_MODE) & 0xFF) != XFRM_MODE_TRANSPORT) {
            return null;
        }
        NlAttrs a = NlAttrs.parse(m, SA + USERSA_INFO_LEN, m.limit());
        byte[] aead = a.bytes(XFRMA_ALG_AEAD);
        if (aead == null || aead.length < ALGO_AEAD_LEN || !XfrmState.AEAD.equals(cString(aead, 64))) {
            return null;
        }
        ByteBuffer alg = ByteBuffer.wrap(aead).order(m.order());
        int keyBits = alg.getInt(64);
        int icvBits = alg.getInt(68);
        byte[] key = Arrays.copyOfRange(aead, ALGO_AEAD_LEN, aead.length);
        if (icvBits != XfrmState.ICV_BITS || keyBits != XfrmState.KEY_BYTES * 8 || key.length != XfrmState.KEY_BYTES) {
            Arrays.fill(key, (byte) 0);
            return null;
        }
        int window = m.get(SA_WINDOW) & 0xFF;
        long seq = 0;
        byte[] esn = a.bytes(XFRMA_REPLAY_ESN_VAL);
        if (esn != null && esn.length >= REPLAY_ESN_LEN) {
            ByteBuffer r = ByteBuffer.wrap(esn).order(m.order());
            long oseq = (Integer.toUnsignedLong(r.getInt(12)) << 32) | Integer.toUnsignedLong(r.getInt(4));
            long iseq = (Integer.toUnsignedLong(r.getInt(16)) << 32) | Integer.toUnsignedLong(r.getInt(8));
            // An outbound SA counts in oseq, an inbound one in seq; the other stays where it started.
            seq = Long.compareUnsigned(oseq, iseq) >= 0 ? oseq : iseq;
            window = r.getInt(20);
        }
        XfrmLimits limits = new XfrmLimits(m.getLong(SA_LFT), m.getLong(SA_LFT + 8), m.getLong(SA_LFT + 16),
                m.getLong(SA_LFT + 24));
        XfrmCounters counters = new XfrmCounters(m.getLong(SA_CUR), m.getLong(SA_CUR + 8),
                Integer.toUnsignedLong(m.getInt(SA_STATS + 4)), Integer.toUnsignedLong(m.getInt(SA_STATS + 8)));
        try {
            return new XfrmState(v4(m, SA_SADDR), v4(m, SA_ID), beInt(m, SA_ID + 16), m.getInt(SA_REQID), key,
                    window, limits, seq, counters);
        } catch (IllegalArgumentException e) {
            LOG.debug("skipping an ESP SA jswarm's records cannot hold: {}", e.getMessage());
            return null;
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    static List<XfrmPolicy> policies(List<ByteBuffer> dump) {
        List<XfrmPolicy> out = new ArrayList<>();
        for (ByteBuffer m : dump) {
            if (m.getShort(4) == XFRM_MSG_NEWPOLICY && m.limit() >= POL + USERPOLICY_INFO_LEN) {
                XfrmPolicy p = policy(m);
                if (p != null) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /**
     * One policy, or {@code null} for socket policies and non-IPv4 selectors. Of several templates the first is
     * reported (jswarm writes one); its protocol and mode are not checked, so reconcile still sees (and replaces)
     * a foreign policy on jswarm's selector.
     */
    static XfrmPolicy policy(ByteBuffer m) {
        int dir = m.get(POL_DIR) & 0xFF;
        XfrmSelector sel = selector(m, POL);
        if (dir > XFRM_POLICY_FWD || sel == null) {
            return null;
        }
        XfrmPolicy.Direction d = switch (dir) {
            case XFRM_POLICY_IN -> XfrmPolicy.Direction.IN;
            case XFRM_POLICY_OUT -> XfrmPolicy.Direction.OUT;
            default -> XfrmPolicy.Direction.FWD;
        };
        XfrmPolicy.Action action = (m.get(POL_ACTION) & 0xFF) == XFRM_POLICY_BLOCK
                ? XfrmPolicy.Action.BLOCK : XfrmPolicy.Action.ALLOW;
        XfrmPolicy.Template template = null;
        byte[] t = NlAttrs.parse(m, POL + USERPOLICY_INFO_LEN, m.limit()).bytes(XFRMA_TMPL);
        if (t != null && t.length >= USER_TMPL_LEN) {
            ByteBuffer b = ByteBuffer.wrap(t).order(m.order());
            template = new XfrmPolicy.Template(anyOr(v4(b, 28)), anyOr(v4(b, 0)), beInt(b, 16), b.getInt(44));
        }
        return new XfrmPolicy(sel, d, m.getInt(POL_PRIORITY), action, template);
    }

    /** An XFRM_MSG_EXPIRE notification (struct xfrm_user_expire), or {@code null} if it is not an IPv4 ESP SA's. */
    static XfrmEvent.Expired expired(ByteBuffer m) {
        if (m.getShort(4) != XFRM_MSG_EXPIRE || m.limit() < SA + USERSA_INFO_LEN + 1
                || (m.get(SA_ID + 20) & 0xFF) != IPPROTO_ESP || (m.getShort(SA_FAMILY) & 0xFFFF) != AF_INET) {
            return null;
        }
        return new XfrmEvent.Expired(new XfrmId(v4(m, SA_ID), beInt(m, SA_ID + 16)), m.getInt(SA_REQID),
                m.get(SA + USERSA_INFO_LEN) != 0);
    }

    /** struct xfrm_selector at {@code at}; /0 prefixes are "any" ({@code null}). */
    private static XfrmSelector selector(ByteBuffer m, int at) {
        if ((m.getShort(at + 40) & 0xFFFF) != AF_INET) {
            return null;
        }
        int dport = ((m.get(at + 32) & 0xFF) << 8) | (m.get(at + 33) & 0xFF);
        int lenD = m.get(at + 42) & 0xFF;
        int lenS = m.get(at + 43) & 0xFF;
        int proto = m.get(at + 44) & 0xFF;
        try {
            return new XfrmSelector(prefix(v4(m, at + 16), lenS), prefix(v4(m, at), lenD), proto, dport);
        } catch (IllegalArgumentException e) {
            LOG.debug("skipping an XFRM policy selector jswarm's records cannot hold: {}", e.getMessage());
            return null;
        }
    }

    private static IpPrefix prefix(InetAddress a, int length) {
        return length == 0 ? null : IpPrefix.of(a, length);
    }

    private static InetAddress anyOr(InetAddress a) {
        return a.isAnyLocalAddress() ? null : a;
    }

    private static InetAddress v4(ByteBuffer b, int at) {
        byte[] ip = new byte[4];
        b.get(at, ip);
        try {
            return InetAddress.getByAddress(ip);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 bytes always make an address", e);
        }
    }

    private static int beInt(ByteBuffer b, int at) {
        return ((b.get(at) & 0xFF) << 24) | ((b.get(at + 1) & 0xFF) << 16) | ((b.get(at + 2) & 0xFF) << 8)
                | (b.get(at + 3) & 0xFF);
    }

    private static String cString(byte[] b, int max) {
        int end = 0;
        while (end < Math.min(max, b.length) && b[end] != 0) {
            end++;
        }
        return new String(b, 0, end, StandardCharsets.US_ASCII);
    }
}
