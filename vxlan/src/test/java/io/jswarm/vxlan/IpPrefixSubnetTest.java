package io.jswarm.vxlan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IpPrefixSubnetTest {
    @Test
    void parsesAndFormats() {
        IpPrefix s = IpPrefix.parseSubnet("10.0.1.0/24");
        assertEquals(IpPrefix.parseIpv4("10.0.1.0"), s.first());
        assertEquals(IpPrefix.parseIpv4("10.0.1.255"), s.last());
        assertEquals(256, s.size());
        assertEquals("10.0.1.0/24", s.toString());
        assertEquals("255.255.255.255", IpPrefix.formatIpv4(IpPrefix.parseIpv4("255.255.255.255")));
        assertEquals(IpPrefix.parseIpv4("255.255.255.255"), IpPrefix.parseSubnet("0.0.0.0/0").last());
    }

    @Test
    void refusesBadInput() {
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parseSubnet("10.0.1.1/24"));
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parseSubnet("10.0.1.0/33"));
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parseSubnet("10.0.1.0"));
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parseSubnet("bogus/24"));
        for (String bad : new String[] {"10.0.0", "10.0.0.256", "10.0.0.-1", "a.b.c.d", "10.0.0.1.2", "", "1..2.3"}) {
            assertThrows(IllegalArgumentException.class, () -> IpPrefix.parseIpv4(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.ipv4(IpPrefix.parseIpv4("10.0.0.1"), 24));
    }

    @Test
    void containmentAndOverlap() {
        IpPrefix big = IpPrefix.parseSubnet("10.0.0.0/16");
        IpPrefix inner = IpPrefix.parseSubnet("10.0.5.0/24");
        IpPrefix apart = IpPrefix.parseSubnet("10.1.0.0/24");
        assertTrue(big.contains(inner));
        assertFalse(inner.contains(big));
        assertTrue(big.overlaps(inner));
        assertTrue(inner.overlaps(big));
        assertFalse(big.overlaps(apart));
        assertTrue(big.contains(IpPrefix.parseIpv4("10.0.255.255")));
        assertFalse(big.contains(IpPrefix.parseIpv4("10.1.0.0")));
    }

    @Test
    void refusalsSayWhatAndWhy() {
        assertEquals("invalid CIDR 10.0.1.1/24: host bits set",
                assertThrows(IllegalArgumentException.class, () -> IpPrefix.parseSubnet("10.0.1.1/24")).getMessage());
        assertEquals("invalid CIDR 10.0.1.0 (expected a.b.c.d/len)",
                assertThrows(IllegalArgumentException.class, () -> IpPrefix.parseSubnet("10.0.1.0")).getMessage());
        assertEquals("invalid CIDR 2001:db8::/64 (expected a.b.c.d/len)",
                assertThrows(IllegalArgumentException.class, () -> IpPrefix.parseSubnet("2001:db8::/64")).getMessage());
        assertEquals("invalid CIDR 10.0.1/24",
                assertThrows(IllegalArgumentException.class, () -> IpPrefix.parseSubnet("10.0.1/24")).getMessage());
        assertEquals("invalid CIDR 10.0.0.0/x",
                assertThrows(IllegalArgumentException.class, () -> IpPrefix.parseSubnet("10.0.0.0/x")).getMessage());
        assertEquals("invalid prefix length 33",
                assertThrows(IllegalArgumentException.class, () -> IpPrefix.ipv4(0, 33)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.ipv4(-1, 8));
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.ipv4(0x1_0000_0000L, 8));
        assertThrows(IllegalStateException.class, () -> IpPrefix.parse("2001:db8::/64").first());
    }

    @Test
    void networkBroadcastAndFirstUsable() {
        IpPrefix iface = IpPrefix.parse("10.0.1.7/24");
        assertFalse(iface.isNetwork());
        assertTrue(iface.network().isNetwork());
        assertEquals(IpPrefix.parseSubnet("10.0.1.0/24"), iface.network());
        assertEquals(IpPrefix.parseAddress("10.0.1.255"), iface.broadcast());
        assertEquals(IpPrefix.parseAddress("10.0.1.1"), iface.firstUsable());
        assertEquals(IpPrefix.parseIpv4("10.0.1.0"), iface.first());
        assertEquals(IpPrefix.parseSubnet("10.0.1.0/24"), IpPrefix.ipv4(IpPrefix.parseIpv4("10.0.1.0"), 24));
        assertEquals(IpPrefix.parseAddress("2001:db8::ffff"), IpPrefix.parse("2001:db8::1/112").broadcast());
        assertEquals(IpPrefix.parseAddress("2001:db8::1"), IpPrefix.parse("2001:db8::/64").firstUsable());
    }

    @Test
    void containmentAndOverlapAcrossFamiliesAndHostBits() {
        assertTrue(IpPrefix.parse("2001:db8::/32").contains(IpPrefix.parse("2001:db8:1::/48")));
        assertFalse(IpPrefix.parse("2001:db8:1::/48").overlaps(IpPrefix.parse("2001:db8:2::/48")));
        assertFalse(IpPrefix.parse("0.0.0.0/0").contains(IpPrefix.parse("::/0")));
        assertTrue(IpPrefix.parse("10.0.1.9/24").contains(IpPrefix.parseSubnet("10.0.1.0/28")));
        assertTrue(IpPrefix.parseSubnet("10.0.1.0/24").contains(IpPrefix.parseSubnet("10.0.1.0/24")));
    }
}
