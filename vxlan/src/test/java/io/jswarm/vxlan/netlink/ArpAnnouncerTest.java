package io.jswarm.vxlan.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jswarm.vxlan.MacAddress;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ArpAnnouncerTest {
    @Test
    void anAnnouncementIsABroadcastArpRequestFromTheDeviceNamingTheAddressTwice() throws Exception {
        byte[] frame = ArpAnnouncer.frame(MacAddress.parse("aa:bb:cc:dd:ee:01"),
                (Inet4Address) InetAddress.getByName("192.0.2.11"), MacAddress.parse("02:42:c0:00:02:0b"));
        assertEquals(60, frame.length);
        assertEquals("ffffffffffff" + "aabbccddee01" + "0806"      // Ethernet: broadcast, from the device
                + "0001" + "0800" + "06" + "04" + "0001"              // ARP: Ethernet/IPv4, request
                + "0242c000020b" + "c000020b"                         // sender: the announced MAC and address
                + "000000000000" + "c000020b"                         // target: the same address, no MAC
                + "00".repeat(18), HexFormat.of().formatHex(frame));  // padding to Ethernet's minimum
    }
}
