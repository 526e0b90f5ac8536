package io.jswarm.manager.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SubnetAllocatorTest {
    private static IpPrefix s(String text) {
        return IpPrefix.parseSubnet(text);
    }

    @Test
    void defaultsToTenSlashEightAsSlash24s() throws IpamException {
        SubnetAllocator a = SubnetAllocator.of(List.of(), 0);
        assertEquals(List.of(s("10.0.0.0/8")), a.pools());
        assertEquals(24, a.maskLength());
        assertEquals(s("10.0.0.0/24"), a.next(List.of()));
        assertEquals(s("10.0.1.0/24"), a.next(List.of(s("10.0.0.0/24"))));
    }

    @Test
    void carvedBlocksSkipExplicitSubnetsOfAnySize() throws IpamException {
        SubnetAllocator a = SubnetAllocator.of(List.of("10.0.0.0/8"), 24);
        // An explicit /16 at the start of the pool: the next block is the first /24 after it.
        assertEquals(s("10.1.0.0/24"), a.next(List.of(s("10.0.0.0/16"))));
        // An explicit /28 inside the first /24 blocks that whole /24.
        assertEquals(s("10.0.1.0/24"), a.next(List.of(s("10.0.0.64/28"))));
        // A gap between taken blocks is found.
        assertEquals(s("10.0.1.0/24"), a.next(List.of(s("10.0.0.0/24"), s("10.0.2.0/24"))));
        // A taken subnet that encloses the whole pool exhausts it.
        IpamException e = assertThrows(IpamException.class, () -> a.next(List.of(s("8.0.0.0/5"))));
        assertTrue(e.getMessage().contains("could not find an available, non-overlapping IPv4 address pool"), e.getMessage());
    }

    @Test
    void exhaustsOnePoolThenMovesToTheNext() throws IpamException {
        SubnetAllocator a = SubnetAllocator.of(List.of("192.168.0.0/23", "172.20.0.0/24"), 24);
        List<IpPrefix> taken = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            taken.add(a.next(taken));
        }
        assertEquals(List.of(s("192.168.0.0/24"), s("192.168.1.0/24"), s("172.20.0.0/24")), taken);
        assertThrows(IpamException.class, () -> a.next(taken));
        // A freed block (network removed) is the lowest free one again: first fit.
        taken.remove(s("192.168.1.0/24"));
        assertEquals(s("192.168.1.0/24"), a.next(taken));
    }

    @Test
    void manyNetworksCarveDistinctBlocksQuickly() throws IpamException {
        SubnetAllocator a = SubnetAllocator.of(List.of("10.0.0.0/16"), 24);
        List<IpPrefix> taken = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            IpPrefix next = a.next(taken);
            assertTrue(SubnetAllocator.overlapping(next, taken).isEmpty());
            taken.add(next);
        }
        assertThrows(IpamException.class, () -> a.next(taken));
    }

    @Test
    void overlapFindsTheClash() {
        List<IpPrefix> taken = List.of(s("10.0.0.0/24"), s("10.1.0.0/16"));
        assertEquals(Optional.of(s("10.1.0.0/16")), SubnetAllocator.overlapping(s("10.1.2.0/24"), taken));
        assertEquals(Optional.of(s("10.0.0.0/24")), SubnetAllocator.overlapping(s("10.0.0.0/8"), taken));
        assertEquals(Optional.empty(), SubnetAllocator.overlapping(s("10.2.0.0/24"), taken));
    }

    @Test
    void refusesPoolsSmallerThanTheMask() {
        assertThrows(IllegalArgumentException.class, () -> SubnetAllocator.of(List.of("10.0.0.0/25"), 24));
        assertThrows(IllegalArgumentException.class, () -> SubnetAllocator.of(List.of("10.0.0.0/8"), 31));
        assertThrows(IllegalArgumentException.class, () -> SubnetAllocator.of(List.of("10.0.0.1/8"), 24));
    }
}
