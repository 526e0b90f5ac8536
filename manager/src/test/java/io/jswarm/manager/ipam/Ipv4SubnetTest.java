package io.jswarm.manager.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Ipv4SubnetTest {
    @Test
    void parsesAndFormats() {
        Ipv4Subnet s = Ipv4Subnet.parse("10.0.1.0/24");
        assertEquals(Ipv4Subnet.parseAddress("10.0.1.0"), s.first());
        assertEquals(Ipv4Subnet.parseAddress("10.0.1.255"), s.last());
        assertEquals(256, s.size());
        assertEquals("10.0.1.0/24", s.toString());
        assertEquals("255.255.255.255", Ipv4Subnet.format(Ipv4Subnet.parseAddress("255.255.255.255")));
        assertEquals(Ipv4Subnet.parseAddress("255.255.255.255"), Ipv4Subnet.parse("0.0.0.0/0").last());
    }

    @Test
    void refusesBadInput() {
        assertThrows(IllegalArgumentException.class, () -> Ipv4Subnet.parse("10.0.1.1/24"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Subnet.parse("10.0.1.0/33"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Subnet.parse("10.0.1.0"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Subnet.parse("bogus/24"));
        for (String bad : new String[] {"10.0.0", "10.0.0.256", "10.0.0.-1", "a.b.c.d", "10.0.0.1.2", "", "1..2.3"}) {
            assertThrows(IllegalArgumentException.class, () -> Ipv4Subnet.parseAddress(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> new Ipv4Subnet(Ipv4Subnet.parseAddress("10.0.0.1"), 24));
    }

    @Test
    void containmentAndOverlap() {
        Ipv4Subnet big = Ipv4Subnet.parse("10.0.0.0/16");
        Ipv4Subnet inner = Ipv4Subnet.parse("10.0.5.0/24");
        Ipv4Subnet apart = Ipv4Subnet.parse("10.1.0.0/24");
        assertTrue(big.contains(inner));
        assertFalse(inner.contains(big));
        assertTrue(big.overlaps(inner));
        assertTrue(inner.overlaps(big));
        assertFalse(big.overlaps(apart));
        assertTrue(big.contains(Ipv4Subnet.parseAddress("10.0.255.255")));
        assertFalse(big.contains(Ipv4Subnet.parseAddress("10.1.0.0")));
    }
}
