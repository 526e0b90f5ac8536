package io.jswarm.vxlan.netlink;

import static io.jswarm.vxlan.netlink.EncoderFixtureTest.assertSame;
import static io.jswarm.vxlan.netlink.EncoderFixtureTest.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.kernel.XfrmCounters;
import io.jswarm.vxlan.kernel.XfrmEvent;
import io.jswarm.vxlan.kernel.XfrmId;
import io.jswarm.vxlan.kernel.XfrmLimits;
import io.jswarm.vxlan.kernel.XfrmPolicy;
import io.jswarm.vxlan.kernel.XfrmSelector;
import io.jswarm.vxlan.kernel.XfrmState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The NETLINK_XFRM encoder against the bytes {@code ip xfrm} (iproute2 6.1) sent for the same command (fixtures
 * xfrm_*.hex, captured with capture-xfrm.sh.txt; see the README there), and the decoder against the encoder's
 * own messages: a request to add an SA or a policy has the layout of the dump answer that reports it.
 */
class XfrmEncoderFixtureTest {
    static final int REQID = 0x4A5357;
    static final byte[] KEY = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f10111213");
    static final XfrmState SA = new XfrmState(ip("192.0.2.1"), ip("192.0.2.2"), 0x4A010002, REQID, KEY, 128,
            XfrmLimits.soft(1L << 40, 1L << 31), 0xFFFF_FF00L, XfrmCounters.NONE);
    static final XfrmSelector PEER = new XfrmSelector(IpPrefix.parse("192.0.2.1/32"), IpPrefix.parse("192.0.2.2/32"),
            XfrmSelector.UDP, 4799);
    static final XfrmPolicy OUT = new XfrmPolicy(PEER, XfrmPolicy.Direction.OUT, 100, XfrmPolicy.Action.ALLOW,
            new XfrmPolicy.Template(ip("192.0.2.1"), ip("192.0.2.2"), 0x4A010001, REQID));
    static final XfrmPolicy BLOCK = new XfrmPolicy(XfrmSelector.udpTo(4799), XfrmPolicy.Direction.OUT, 200,
            XfrmPolicy.Action.BLOCK, null);
    static final XfrmPolicy IN = new XfrmPolicy(XfrmSelector.udpTo(4799), XfrmPolicy.Direction.IN, 200,
            XfrmPolicy.Action.ALLOW, new XfrmPolicy.Template(null, null, 0, REQID));

    final XfrmEncoder encoder = new XfrmEncoder();

    @Test
    void statesAsIproute2() throws IOException {
        assertSame("xfrm_sa_add", encoder.addSa(SA));
        assertSame("xfrm_sa_del", encoder.deleteSa(SA.id()));
    }

    @Test
    void policiesAsIproute2() throws IOException {
        assertSame("xfrm_policy_out", encoder.updatePolicy(OUT));
        assertSame("xfrm_policy_block", encoder.updatePolicy(BLOCK));
        assertSame("xfrm_policy_in", encoder.updatePolicy(IN));
        assertSame("xfrm_policy_del", encoder.deletePolicy(OUT.key()));
    }

    @Test
    void anUpdateIsTheAddUnderAnotherType() {
        byte[] add = encoder.addSa(SA);
        byte[] update = encoder.updateSa(SA);
        assertEquals(Xfrm.XFRM_MSG_UPDSA, ByteBuffer.wrap(update).order(ByteOrder.nativeOrder()).getShort(4));
        update[4] = add[4];
        assertArrayEquals(add, update);
    }

    @Test
    void aSequenceNumberPast32BitsGoesIntoTheHighWords() {
        XfrmState far = new XfrmState(SA.src(), SA.dst(), SA.spi(), REQID, KEY, 128, XfrmLimits.NONE,
                0x1_0000_0005L, XfrmCounters.NONE);
        XfrmState decoded = XfrmDecoder.state(asDump(encoder.addSa(far), Xfrm.XFRM_MSG_NEWSA));
        assertEquals(0x1_0000_0005L, decoded.initialSeq());
    }

    @Test
    void decodesWhatItEncodes() {
        XfrmState decoded = XfrmDecoder.states(List.of(asDump(encoder.addSa(SA), Xfrm.XFRM_MSG_NEWSA))).getFirst();
        assertEquals(SA, decoded);
        assertArrayEquals(KEY, decoded.key());
        for (XfrmPolicy p : List.of(OUT, BLOCK, IN)) {
            assertEquals(List.of(p), XfrmDecoder.policies(List.of(asDump(encoder.updatePolicy(p),
                    Xfrm.XFRM_MSG_NEWPOLICY))));
        }
    }

    @Test
    void leavesOutWhatItDoesNotWrite() {
        ByteBuffer tunnel = asDump(encoder.addSa(SA), Xfrm.XFRM_MSG_NEWSA);
        tunnel.put(16 + 214, (byte) 1); // XFRM_MODE_TUNNEL
        assertNull(XfrmDecoder.state(tunnel));
        ByteBuffer socketPolicy = asDump(encoder.updatePolicy(BLOCK), Xfrm.XFRM_MSG_NEWPOLICY);
        socketPolicy.put(16 + 160, (byte) 4); // XFRM_POLICY_MAX + OUT: a socket's own policy
        assertEquals(List.of(), XfrmDecoder.policies(List.of(socketPolicy)));
    }

    @Test
    void decodesAnExpiry() {
        byte[] sa = encoder.addSa(SA);
        // struct xfrm_user_expire: the SA's xfrm_usersa_info, then hard (u8)
        ByteBuffer m = ByteBuffer.allocate(16 + Xfrm.USERSA_INFO_LEN + 8).order(ByteOrder.nativeOrder());
        m.put(sa, 0, 16 + Xfrm.USERSA_INFO_LEN).put((byte) 1).clear();
        m.putInt(0, m.capacity()).putShort(4, (short) Xfrm.XFRM_MSG_EXPIRE);
        assertEquals(new XfrmEvent.Expired(new XfrmId(SA.dst(), SA.spi()), REQID, true), XfrmDecoder.expired(m));
        m.put(16 + Xfrm.USERSA_INFO_LEN, (byte) 0);
        assertFalse(XfrmDecoder.expired(m).hard());
    }

    @Test
    void anSaNeverPrintsItsKey() {
        String text = SA + " " + new io.jswarm.vxlan.kernel.KernelChange.SetXfrmState(SA) + " "
                + ChangeLabels.of(new io.jswarm.vxlan.kernel.KernelChange.SetXfrmState(SA));
        assertFalse(text.contains("0001020304"), text);
        assertFalse(text.contains("[0, 1, 2"), text);
    }

    static ByteBuffer asDump(byte[] request, int type) {
        ByteBuffer b = ByteBuffer.wrap(request.clone()).order(ByteOrder.nativeOrder());
        b.putShort(4, (short) type);
        return b;
    }
}
