package io.jswarm.vxlan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class HostPortTest {
    @Test
    void parsesDockerStyleAddresses() {
        assertEquals(new HostPort("192.0.2.11", 2377), HostPort.parse("192.0.2.11", 2377));
        assertEquals(new HostPort("192.0.2.11", 4000), HostPort.parse("192.0.2.11:4000", 2377));
        assertEquals(new HostPort("2001:db8::1", 2377), HostPort.parse("[2001:db8::1]:2377", 1));
        assertEquals(new HostPort("2001:db8::1", 7), HostPort.parse("2001:db8::1", 7));
        assertEquals(new HostPort("manager-1", 2377), HostPort.parse("manager-1:2377", 1));
        assertEquals("[2001:db8::1]:2377", new HostPort("2001:db8::1", 2377).toString());
    }

    @Test
    void refusesBadPortsAndEmptyHosts() {
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("192.0.2.11:x", 2377));
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("192.0.2.11:70000", 2377));
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse(":2377", 2377));
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("", 2377));
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("[::1", 2377));
    }

    @Test
    void cidrsMustBeIpv4PrefixesWithoutHostBits() {
        assertEquals("10.0.0.0/8", IpPrefix.parseSubnet("10.0.0.0/8").toString());
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parseSubnet("10.0.0.1/8"));
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parseSubnet("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parseSubnet("10.0.0.0"));
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parseSubnet("example.com/8"));
    }
}
