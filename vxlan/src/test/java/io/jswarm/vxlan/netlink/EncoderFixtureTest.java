package io.jswarm.vxlan.netlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.Vni;
import io.jswarm.vxlan.kernel.LinkSpec;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Every encoder against the bytes iproute2 sent for the same command (fixtures captured with strace, see
 * src/test/resources/netlink/iproute2/README.md). Sequence number and port id are masked.
 */
class EncoderFixtureTest {
    static final MacAddress MAC = MacAddress.parse("02:42:c6:33:64:07");
    static final MacAddress BR_MAC = MacAddress.parse("02:42:0a:00:01:01");
    static final int VXLAN0 = 7;
    static final int BR0 = 8;
    static final int BR1 = 9;
    static final int NS_FD = 4;

    final RtnlEncoder encoder = new RtnlEncoder();

    static byte[] fixture(String name) throws IOException {
        try (InputStream in = EncoderFixtureTest.class.getResourceAsStream("/netlink/iproute2/" + name + ".hex")) {
            if (in == null) {
                throw new IllegalStateException("no fixture " + name);
            }
            return HexFormat.of().parseHex(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
        }
    }

    static String masked(byte[] message) {
        byte[] copy = message.clone();
        for (int i = 8; i < 16; i++) {
            copy[i] = 0;
        }
        return HexFormat.of().formatHex(copy);
    }

    static void assertSame(String fixture, byte[] encoded) throws IOException {
        assertEquals(masked(fixture(fixture)), masked(encoded), fixture);
    }

    static InetAddress ip(String s) {
        return IpPrefix.parseAddress(s);
    }

    @Test
    void links() throws IOException {
        assertSame("vxlan_add", encoder.addLink(new LinkSpec.Vxlan("vxlan0", Vni.of(4097), 4789, ip("192.0.2.1"), 0,
                false, true, true, true), RtnlEncoder.SAME_NS));
        assertSame("bridge_add", encoder.addLink(new LinkSpec.Bridge("br0", 0, null), RtnlEncoder.SAME_NS));
        assertSame("bridge_add_mtu_mac", encoder.addLink(new LinkSpec.Bridge("br1", 1450, BR_MAC), RtnlEncoder.SAME_NS));
        assertSame("veth_add", encoder.addLink(new LinkSpec.Veth("veth0", 0, null, "eth0",
                Netns.named("other"), null), NS_FD));
        assertSame("link_del", encoder.deleteLink(VXLAN0));
        assertSame("link_move", encoder.moveLink(BR1, NS_FD, "br7"));
    }

    @Test
    void linkSettings() throws IOException {
        assertSame("link_set_master", encoder.setLink(VXLAN0, null, null, null, BR0));
        assertSame("link_set_nomaster", encoder.setLink(VXLAN0, null, null, null, 0));
        assertSame("link_set_up", encoder.setLink(BR0, true, null, null, null));
        assertSame("link_set_down", encoder.setLink(BR0, false, null, null, null));
        assertSame("link_set_mtu", encoder.setLink(BR0, null, 1450, null, null));
        assertSame("link_set_addr", encoder.setLink(BR0, null, null, BR_MAC, null));
    }

    @Test
    void addressesAndRoutes() throws IOException {
        assertSame("addr_add", encoder.address(true, BR0, IpPrefix.parse("198.51.100.1/24")));
        assertSame("addr_del", encoder.address(false, BR0, IpPrefix.parse("198.51.100.1/24")));
        assertSame("addr_add_v6", encoder.address(true, 2, IpPrefix.parse("2001:db8::1/64")));
        assertSame("route_replace", encoder.route(true, IpPrefix.parse("0.0.0.0/0"), ip("198.51.100.254"), BR0));
        assertSame("route_replace_dev", encoder.route(true, IpPrefix.parse("203.0.113.0/24"), null, BR0));
        assertSame("route_del_any", encoder.route(false, IpPrefix.parse("0.0.0.0/0"), ip("198.51.100.254"), 2));
    }

    @Test
    void neighboursAndFdb() throws IOException {
        assertSame("neigh_replace", encoder.setNeighbor(VXLAN0, ip("198.51.100.7"), MAC));
        assertSame("neigh_replace_v6", encoder.setNeighbor(2, ip("2001:db8::7"), MAC));
        assertSame("neigh_del", encoder.deleteNeighbor(VXLAN0, ip("198.51.100.7")));
        assertSame("fdb_replace", encoder.setFdb(VXLAN0, MAC, ip("203.0.113.9"), true, true));
        assertSame("fdb_del", encoder.deleteFdb(VXLAN0, MAC, ip("203.0.113.9")));
    }

    /** "append" differs from our "replace" only in NLM_F_APPEND instead of NLM_F_REPLACE. */
    @Test
    void fdbAppendDiffersOnlyInFlags() throws IOException {
        byte[] append = fixture("fdb_append");
        byte[] ours = encoder.setFdb(VXLAN0, MAC, ip("203.0.113.9"), true, true);
        ByteBuffer a = ByteBuffer.wrap(append).order(ByteOrder.nativeOrder());
        assertEquals(Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_APPEND, a.getShort(6));
        a.putShort(6, (short) RtnlEncoder.SET);
        assertEquals(masked(append), masked(ours));
    }

    @Test
    void nonPermanentMasterFdbAndDeleteWithoutDst() {
        ByteBuffer b = ByteBuffer.wrap(encoder.setFdb(3, MAC, null, false, false)).order(ByteOrder.nativeOrder());
        assertEquals(Rtnl.AF_BRIDGE, b.get(16));
        assertEquals(Rtnl.NUD_NOARP | Rtnl.NUD_REACHABLE, b.getShort(24));
        assertEquals(Rtnl.NTF_MASTER, b.get(26));
        assertEquals(16 + 12 + 12, b.getInt(0)); // header, ndmsg, NDA_LLADDR only
        assertEquals(40, encoder.deleteFdb(3, MAC, null).length);
    }

    @Test
    void dumpRequestsAndBarrier() {
        byte[] dump = encoder.dump(Rtnl.RTM_GETNEIGH, Rtnl.AF_BRIDGE);
        ByteBuffer b = ByteBuffer.wrap(dump).order(ByteOrder.nativeOrder());
        assertEquals(28, b.getInt(0));
        assertEquals(Rtnl.RTM_GETNEIGH, b.getShort(4));
        assertEquals(Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_DUMP, b.getShort(6));
        assertEquals(Rtnl.AF_BRIDGE, b.get(16));
        assertArrayEquals(new byte[] {16, 0, 0, 0, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0}, encoder.barrier());
    }
}
