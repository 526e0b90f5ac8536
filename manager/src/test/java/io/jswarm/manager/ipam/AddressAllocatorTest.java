package io.jswarm.manager.ipam;

import static io.jswarm.vxlan.IpPrefix.formatIpv4;
import static io.jswarm.vxlan.IpPrefix.parseIpv4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.IpPrefix;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AddressAllocatorTest {
    private static AddressAllocator net(String subnet) {
        IpPrefix s = IpPrefix.parseSubnet(subnet);
        return new AddressAllocator(s, s, AddressAllocator.defaultGateway(s));
    }

    private static String next(AddressAllocator a) throws IpamException {
        return formatIpv4(a.allocateNext());
    }

    @Test
    void neverHandsOutNetworkGatewayOrBroadcast() throws IpamException {
        AddressAllocator a = net("10.0.1.0/29"); // .0 network, .1 gateway, .7 broadcast
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            got.add(next(a));
        }
        assertEquals(List.of("10.0.1.2", "10.0.1.3", "10.0.1.4", "10.0.1.5", "10.0.1.6"), got);
        IpamException e = assertThrows(IpamException.class, a::allocateNext);
        assertTrue(e.getMessage().startsWith("no available IPv4 addresses"), e.getMessage());
    }

    @Test
    void aGatewayInTheMiddleIsSkipped() throws IpamException {
        IpPrefix s = IpPrefix.parseSubnet("10.0.1.0/29");
        AddressAllocator a = new AddressAllocator(s, s, parseIpv4("10.0.1.3"));
        assertEquals(List.of("10.0.1.1", "10.0.1.2", "10.0.1.4"), List.of(next(a), next(a), next(a)));
    }

    @Test
    void freedAddressesComeBackOnlyAfterTheCursorWraps() throws IpamException {
        AddressAllocator a = net("10.0.1.0/29");
        assertEquals("10.0.1.2", next(a));
        assertEquals("10.0.1.3", next(a));
        a.release(parseIpv4("10.0.1.2"));
        assertEquals("10.0.1.4", next(a)); // not .2 again at once
        assertEquals("10.0.1.5", next(a));
        assertEquals("10.0.1.6", next(a));
        assertEquals("10.0.1.2", next(a)); // wrapped: .2 is the only free one
        a.release(parseIpv4("10.0.1.5"));
        a.release(parseIpv4("10.0.1.3"));
        assertEquals("10.0.1.3", next(a)); // serial from .2: .3 before .5
        assertEquals("10.0.1.5", next(a));
    }

    @Test
    void ipRangeBoundsSerialAndRequestedAddresses() throws IpamException {
        IpPrefix s = IpPrefix.parseSubnet("10.0.0.0/24");
        AddressAllocator a = new AddressAllocator(s, IpPrefix.parseSubnet("10.0.0.128/30"), AddressAllocator.defaultGateway(s));
        assertEquals(List.of("10.0.0.128", "10.0.0.129", "10.0.0.130", "10.0.0.131"),
                List.of(next(a), next(a), next(a), next(a)));
        assertThrows(IpamException.class, a::allocateNext);
        IpamException e = assertThrows(IpamException.class, () -> a.allocate(parseIpv4("10.0.0.5")));
        assertEquals("requested address 10.0.0.5 is out of range: not in ip-range 10.0.0.128/30", e.getMessage());
        e = assertThrows(IpamException.class, () -> a.allocate(parseIpv4("10.0.1.5")));
        assertEquals("requested address 10.0.1.5 is out of range: not in subnet 10.0.0.0/24", e.getMessage());
    }

    @Test
    void aRangeAtTheSubnetEdgeStillExcludesNetworkAndBroadcast() throws IpamException {
        IpPrefix s = IpPrefix.parseSubnet("10.0.0.0/24");
        AddressAllocator a = new AddressAllocator(s, IpPrefix.parseSubnet("10.0.0.252/30"), AddressAllocator.defaultGateway(s));
        assertEquals(List.of("10.0.0.252", "10.0.0.253", "10.0.0.254"), List.of(next(a), next(a), next(a)));
        assertThrows(IpamException.class, a::allocateNext);
        AddressAllocator low = new AddressAllocator(s, IpPrefix.parseSubnet("10.0.0.0/30"), parseIpv4("10.0.0.1"));
        assertEquals("10.0.0.2", next(low));
        assertEquals("10.0.0.3", next(low));
        assertThrows(IpamException.class, low::allocateNext);
    }

    @Test
    void requestedAddressesAreCheckedAndDoNotMoveTheCursor() throws IpamException {
        AddressAllocator a = net("10.0.1.0/24");
        a.allocate(parseIpv4("10.0.1.3"));
        assertEquals(-1, a.cursor());
        assertEquals("10.0.1.2", next(a));
        assertEquals("10.0.1.4", next(a)); // .3 held on request: skipped
        for (String taken : new String[] {"10.0.1.3", "10.0.1.1", "10.0.1.4"}) {
            IpamException e = assertThrows(IpamException.class, () -> a.allocate(parseIpv4(taken)));
            assertEquals("address " + taken + " already in use", e.getMessage());
        }
        for (String edge : new String[] {"10.0.1.0", "10.0.1.255"}) {
            IpamException e = assertThrows(IpamException.class, () -> a.allocate(parseIpv4(edge)));
            assertTrue(e.getMessage().contains("network or broadcast"), e.getMessage());
        }
        assertThrows(IllegalStateException.class, () -> a.release(parseIpv4("10.0.1.99")));
    }

    @Test
    void constructorRefusesMisfits() {
        IpPrefix s = IpPrefix.parseSubnet("10.0.1.0/24");
        assertThrows(IllegalArgumentException.class, () -> new AddressAllocator(s, IpPrefix.parseSubnet("10.0.2.0/25"), s.first() + 1));
        assertThrows(IllegalArgumentException.class, () -> new AddressAllocator(s, s, s.first()));
        assertThrows(IllegalArgumentException.class, () -> new AddressAllocator(s, s, s.last()));
        IpPrefix tiny = IpPrefix.parseSubnet("10.0.1.0/31");
        assertThrows(IllegalArgumentException.class, () -> new AddressAllocator(tiny, tiny, tiny.first() + 1));
    }

    @Test
    void restoreKeepsUsedAddressesAndTheCursor() throws IpamException {
        AddressAllocator a = net("10.0.1.0/24");
        for (int i = 0; i < 10; i++) {
            a.allocateNext();
        }
        a.release(parseIpv4("10.0.1.4"));
        AddressAllocator b = net("10.0.1.0/24");
        List<Long> held = new ArrayList<>();
        for (long x = parseIpv4("10.0.1.2"); x <= parseIpv4("10.0.1.11"); x++) {
            if (a.isUsed(x)) {
                held.add(x);
            }
        }
        b.restore(held, a.cursor());
        assertEquals(formatIpv4(a.allocateNext()), formatIpv4(b.allocateNext()));
        assertEquals("10.0.1.12", formatIpv4(b.cursor()));
        assertThrows(IllegalArgumentException.class, () -> b.restore(List.of(parseIpv4("10.0.1.1")), -1));
        assertThrows(IllegalArgumentException.class, () -> b.restore(List.of(parseIpv4("10.0.1.9"), parseIpv4("10.0.1.9")), -1));
    }

    @Test
    void aFullCycleHandsOutEveryUsableAddressExactlyOnce() throws IpamException {
        AddressAllocator a = net("10.0.0.0/22");
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 1021; i++) {
            assertTrue(seen.add(a.allocateNext()));
        }
        assertFalse(seen.contains(parseIpv4("10.0.0.1")));
        assertThrows(IpamException.class, a::allocateNext);
        assertEquals(1021, a.usedCount());
    }
}
