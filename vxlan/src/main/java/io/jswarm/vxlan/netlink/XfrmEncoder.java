package io.jswarm.vxlan.netlink;

import static io.jswarm.vxlan.netlink.Rtnl.AF_INET;
import static io.jswarm.vxlan.netlink.Rtnl.NLM_F_ACK;
import static io.jswarm.vxlan.netlink.Rtnl.NLM_F_DUMP;
import static io.jswarm.vxlan.netlink.Rtnl.NLM_F_REQUEST;
import static io.jswarm.vxlan.netlink.Xfrm.*;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.kernel.XfrmId;
import io.jswarm.vxlan.kernel.XfrmLimits;
import io.jswarm.vxlan.kernel.XfrmPolicy;
import io.jswarm.vxlan.kernel.XfrmSelector;
import io.jswarm.vxlan.kernel.XfrmState;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds NETLINK_XFRM requests byte for byte as iproute2's {@code ip xfrm} does (EncoderFixtureTest compares them
 * with captured ones): struct fields in host order, addresses, SPIs and ports in network order, IPv4 only. The
 * key of an SA is in the returned message and nowhere else that outlives the call (the writer's buffer is wiped).
 * Not thread-safe: one encoder per session.
 */
final class XfrmEncoder {
    private static final int AEAD_NAME_LEN = 64;
    private static final byte[] AEAD_NAME = XfrmState.AEAD.getBytes(StandardCharsets.US_ASCII);

    private final NlWriter w = new NlWriter();

    /** XFRM_MSG_NEWSA: fails with EEXIST if an SA with this (dst, SPI) exists. */
    byte[] addSa(XfrmState s) {
        return sa(XFRM_MSG_NEWSA, s);
    }

    /** XFRM_MSG_UPDSA: the kernel takes only the new lifetime limits from it (key, window, counters stay). */
    byte[] updateSa(XfrmState s) {
        return sa(XFRM_MSG_UPDSA, s);
    }

    private byte[] sa(int type, XfrmState s) {
        w.begin(type, NLM_F_REQUEST | NLM_F_ACK);
        // struct xfrm_usersa_info. The selector stays zero: in transport mode the policy picks the packets.
        w.zeros(SELECTOR_LEN);
        id(s.dst(), s.spi());
        address(s.src());
        lifetime(s.limits());
        w.zeros(LIFETIME_CUR_LEN).zeros(12); // curlft, stats: the kernel's to count
        // seq, reqid, family, mode, replay_window (0: the ESN attribute carries it), flags, padding to 224
        w.u32(0).u32(s.reqid()).u16(AF_INET).u8(XFRM_MODE_TRANSPORT).u8(0).u8(XFRM_STATE_ESN).zeros(7);

        byte[] key = s.key();
        int aead = w.beginNest(XFRMA_ALG_AEAD);
        w.bytes(AEAD_NAME).zeros(AEAD_NAME_LEN - AEAD_NAME.length).u32(key.length * 8).u32(XfrmState.ICV_BITS)
                .bytes(key);
        w.endNest(aead);
        Arrays.fill(key, (byte) 0);

        // struct xfrm_replay_state_esn without the bitmap: the kernel allocates it (iproute2 sends it so too).
        long seq = s.initialSeq();
        int esn = w.beginNest(XFRMA_REPLAY_ESN_VAL);
        w.u32((s.replayWindow() + 31) / 32).u32((int) seq).u32((int) seq).u32((int) (seq >>> 32))
                .u32((int) (seq >>> 32)).u32(s.replayWindow());
        w.endNest(esn);
        return finishWiped();
    }

    /** XFRM_MSG_DELSA by (dst, SPI, ESP); ESRCH when there is none. */
    byte[] deleteSa(XfrmId id) {
        w.begin(XFRM_MSG_DELSA, NLM_F_REQUEST | NLM_F_ACK);
        w.bytes(v4(id.dst())).zeros(12).u32(Integer.reverseBytes(id.spi()) == 0 ? 0 : be(id.spi()))
                .u16(AF_INET).u8(IPPROTO_ESP).u8(0);
        // iproute2 always sends a source address; for ESP the kernel looks SAs up by (dst, SPI) and ignores it.
        int src = w.beginNest(XFRMA_SRCADDR);
        w.zeros(16);
        w.endNest(src);
        return w.finish();
    }

    /** XFRM_MSG_UPDPOLICY: creates the policy or replaces the one with the same selector and direction. */
    byte[] updatePolicy(XfrmPolicy p) {
        w.begin(XFRM_MSG_UPDPOLICY, NLM_F_REQUEST | NLM_F_ACK);
        selector(p.selector());
        lifetime(XfrmLimits.NONE);
        w.zeros(LIFETIME_CUR_LEN);
        // priority, index (the kernel picks it), dir, action, flags, share, padding to 168
        w.u32(p.priority()).u32(0).u8(dir(p.dir())).u8(p.action() == XfrmPolicy.Action.BLOCK
                ? XFRM_POLICY_BLOCK : XFRM_POLICY_ALLOW).u8(0).u8(0).zeros(4);
        if (p.action() == XfrmPolicy.Action.ALLOW && p.template() != null) {
            XfrmPolicy.Template t = p.template();
            int tmpl = w.beginNest(XFRMA_TMPL);
            id(t.dst(), t.spi());
            w.u16(AF_INET).u16(0);
            address(t.src());
            // reqid, mode, share, optional, padding; any auth/enc/comp algorithm (~0), as iproute2 sends
            w.u32(t.reqid()).u8(XFRM_MODE_TRANSPORT).u8(0).u8(0).u8(0).u32(-1).u32(-1).u32(-1);
            w.endNest(tmpl);
        }
        return w.finish();
    }

    /** XFRM_MSG_DELPOLICY by selector and direction; ENOENT when there is none. */
    byte[] deletePolicy(XfrmPolicy.Key key) {
        w.begin(XFRM_MSG_DELPOLICY, NLM_F_REQUEST | NLM_F_ACK);
        selector(key.selector());
        w.u32(0).u8(dir(key.dir())).zeros(3);
        return w.finish();
    }

    /** Dumps carry no filter: the decoder keeps what jswarm's records can say. */
    byte[] dump(int type) {
        w.begin(type, NLM_F_REQUEST | NLM_F_DUMP);
        return w.finish();
    }

    private void selector(XfrmSelector s) {
        // daddr, saddr, dport, dport_mask, sport, sport_mask, family, prefixlen_d, prefixlen_s, proto, pad,
        // ifindex, user
        w.bytes(prefixAddress(s.dst())).bytes(prefixAddress(s.src()));
        w.u16(be16(s.dport())).u16(s.dport() == 0 ? 0 : 0xFFFF).u16(0).u16(0);
        w.u16(AF_INET).u8(length(s.dst())).u8(length(s.src())).u8(s.proto()).zeros(3).u32(0).u32(0);
    }

    /** struct xfrm_id: daddr, spi (network order), proto, padding. */
    private void id(InetAddress dst, int spi) {
        address(dst);
        w.u32(be(spi)).u8(IPPROTO_ESP).zeros(3);
    }

    /** An xfrm_address_t: IPv4 in its first 4 bytes; {@code null} is any (zero). */
    private void address(InetAddress a) {
        if (a == null) {
            w.zeros(16);
        } else {
            w.bytes(v4(a)).zeros(12);
        }
    }

    private void lifetime(XfrmLimits l) {
        w.u64(l.softBytes()).u64(l.hardBytes()).u64(l.softPackets()).u64(l.hardPackets());
        w.zeros(32); // add/use expiry in seconds: none (time plays no part in jswarm's rotation)
    }

    private byte[] finishWiped() {
        byte[] out = w.finish();
        w.begin(0, 0).zeros(out.length); // the key must not linger in the reusable buffer
        return out;
    }

    private static byte[] prefixAddress(IpPrefix p) {
        byte[] out = new byte[16];
        if (p != null) {
            System.arraycopy(v4(p.address()), 0, out, 0, 4);
        }
        return out;
    }

    private static int length(IpPrefix p) {
        return p == null ? 0 : p.length();
    }

    private static byte[] v4(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != 4) {
            throw new IllegalArgumentException("XFRM is IPv4 only here, got " + a);
        }
        return b;
    }

    /** A value the kernel reads as __be32, written through the host-order writer. */
    private static int be(int v) {
        return java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v);
    }

    private static int be16(int v) {
        return java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.BIG_ENDIAN ? v
                : Short.reverseBytes((short) v) & 0xFFFF;
    }

    static int dir(XfrmPolicy.Direction d) {
        return switch (d) {
            case IN -> XFRM_POLICY_IN;
            case OUT -> XFRM_POLICY_OUT;
            case FWD -> XFRM_POLICY_FWD;
        };
    }
}
