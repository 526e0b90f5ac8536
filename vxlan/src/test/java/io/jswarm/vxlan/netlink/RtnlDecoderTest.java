package io.jswarm.vxlan.netlink;

import static org.junit.jupiter.api.Assertions.*;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Vni;
import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FdbEntry;
import io.jswarm.vxlan.kernel.Link;
import io.jswarm.vxlan.kernel.LinkSpec;
import io.jswarm.vxlan.kernel.Neighbor;
import io.jswarm.vxlan.kernel.Route;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Dump decoding. The kernel answers a dump with the same header structs and attributes the requests carry,
 * so requests from {@link RtnlEncoder} (with index, flags and type patched) stand in for dump messages.
 */
class RtnlDecoderTest {
    static final MacAddress MAC = MacAddress.parse("02:42:c6:33:64:07");
    final RtnlEncoder encoder = new RtnlEncoder();
    final Map<Integer, String> names = Map.of(7, "vxlan0", 8, "br0");

    static InetAddress ip(String s) {
        return IpPrefix.parseAddress(s);
    }

    /** As a dump answer: message type {@code type}, and the int at {@code offset} set to {@code value}. */
    static ByteBuffer asDump(byte[] message, int type, int offset, int value) {
        ByteBuffer b = ByteBuffer.wrap(message).order(ByteOrder.nativeOrder());
        b.putShort(4, (short) type);
        if (offset >= 0) {
            b.putInt(offset, value);
        }
        return b;
    }

    @Test
    void linksWithVxlanAttributesAndMasterNames() {
        ByteBuffer vxlan = asDump(encoder.addLink(new LinkSpec.Vxlan("vxlan0", Vni.of(4097), 4789, ip("192.0.2.1"),
                1450, false, true, false, true), RtnlEncoder.SAME_NS), Rtnl.RTM_NEWLINK, 20, 7);
        vxlan = ByteBuffer.wrap(withMaster(vxlan.array(), 8)).order(ByteOrder.nativeOrder());
        vxlan.putInt(24, Rtnl.IFF_UP);
        ByteBuffer br = asDump(encoder.addLink(new LinkSpec.Bridge("br0", 0, MAC), RtnlEncoder.SAME_NS),
                Rtnl.RTM_NEWLINK, 20, 8);
        List<Link> links = RtnlDecoder.links(List.of(vxlan, br));
        assertEquals(new Link(7, "vxlan0", "vxlan", 1450, null, true, "br0",
                new Link.VxlanInfo(Vni.of(4097), 4789, ip("192.0.2.1"), false, true, false, true)), links.get(0));
        assertEquals(new Link(8, "br0", "bridge", 0, MAC, false, null, null), links.get(1));
        assertEquals(Map.of(7, "vxlan0", 8, "br0"), RtnlDecoder.names(List.of(vxlan, br)));
    }

    /** Appends IFLA_MASTER to a link message. */
    static byte[] withMaster(byte[] message, int master) {
        ByteBuffer b = ByteBuffer.allocate(message.length + 8).order(ByteOrder.nativeOrder());
        b.put(message).putShort((short) 8).putShort((short) Rtnl.IFLA_MASTER).putInt(master);
        b.putInt(0, message.length + 8);
        return b.array();
    }

    @Test
    void addressesOfBothFamilies() {
        List<ByteBuffer> dump = List.of(
                asDump(encoder.address(true, 8, IpPrefix.parse("198.51.100.1/24")), Rtnl.RTM_NEWADDR, -1, 0),
                asDump(encoder.address(true, 7, IpPrefix.parse("2001:db8::1/64")), Rtnl.RTM_NEWADDR, -1, 0),
                asDump(encoder.address(true, 99, IpPrefix.parse("203.0.113.1/24")), Rtnl.RTM_NEWADDR, -1, 0));
        assertEquals(List.of(new Address("br0", IpPrefix.parse("198.51.100.1/24")),
                new Address("vxlan0", IpPrefix.parse("2001:db8::1/64"))), RtnlDecoder.addresses(dump, names));
    }

    @Test
    void routesOfTheMainTableOnly() {
        ByteBuffer local = asDump(encoder.route(true, IpPrefix.parse("198.51.100.1/32"), null, 8), Rtnl.RTM_NEWROUTE,
                -1, 0);
        local.put(16 + 4, (byte) 255); // table local
        List<ByteBuffer> dump = List.of(
                asDump(encoder.route(true, IpPrefix.parse("0.0.0.0/0"), ip("198.51.100.254"), 8), Rtnl.RTM_NEWROUTE, -1, 0),
                asDump(encoder.route(true, IpPrefix.parse("203.0.113.0/24"), null, 7), Rtnl.RTM_NEWROUTE, -1, 0),
                local);
        assertEquals(List.of(Route.defaultVia(ip("198.51.100.254"), "br0"),
                new Route(IpPrefix.parse("203.0.113.0/24"), null, "vxlan0")), RtnlDecoder.routes(dump, names));
    }

    @Test
    void neighboursAndFdbEntriesAreTellApartByFamily() {
        List<ByteBuffer> dump = List.of(
                asDump(encoder.setNeighbor(7, ip("198.51.100.7"), MAC), Rtnl.RTM_NEWNEIGH, -1, 0),
                asDump(encoder.setNeighbor(8, ip("2001:db8::7"), MAC), Rtnl.RTM_NEWNEIGH, -1, 0),
                asDump(encoder.setFdb(7, MAC, ip("203.0.113.9"), true, true), Rtnl.RTM_NEWNEIGH, -1, 0),
                asDump(encoder.setFdb(8, MAC, null, false, false), Rtnl.RTM_NEWNEIGH, -1, 0));
        assertEquals(List.of(Neighbor.permanent("vxlan0", ip("198.51.100.7"), MAC),
                Neighbor.permanent("br0", ip("2001:db8::7"), MAC)), RtnlDecoder.neighbors(dump, names));
        assertEquals(List.of(FdbEntry.remote("vxlan0", MAC, ip("203.0.113.9")),
                new FdbEntry("br0", MAC, null, false, false)), RtnlDecoder.fdb(dump, names));
    }
}
