package io.jswarm.manager.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class VniAllocatorTest {
    @Test
    void startsAt4097AndIsSerial() throws IpamException {
        VniAllocator a = new VniAllocator();
        assertEquals(4097, a.peekNext());
        assertEquals(4097, a.allocate());
        assertEquals(4098, a.allocate());
        a.release(4097);
        // Freed, but not handed out again at once.
        assertEquals(4099, a.allocate());
        assertFalse(a.isUsed(4096));
    }

    @Test
    void wrapsAroundAndSkipsUsedOnes() throws IpamException {
        VniAllocator a = new VniAllocator(4097, 4100);
        assertEquals(List.of(4097, 4098, 4099, 4100), List.of(a.allocate(), a.allocate(), a.allocate(), a.allocate()));
        IpamException e = assertThrows(IpamException.class, a::allocate);
        assertEquals("no free VXLAN network identifier", e.getMessage());
        a.release(4098);
        a.release(4100);
        // After the last given (4100) comes 4097 (used), then 4098.
        assertEquals(4098, a.allocate());
        assertEquals(4100, a.allocate());
    }

    @Test
    void peekChangesNothing() throws IpamException {
        VniAllocator a = new VniAllocator();
        a.peekNext();
        a.peekNext();
        assertEquals(0, a.cursor());
        assertEquals(4097, a.allocate());
    }

    @Test
    void restoreKeepsTheCursor() throws IpamException {
        VniAllocator a = new VniAllocator();
        a.restore(List.of(4097, 4105), 4105);
        assertEquals(4106, a.allocate());
        assertThrows(IllegalArgumentException.class, () -> a.restore(List.of(4096), 0));
        assertThrows(IllegalArgumentException.class, () -> a.restore(List.of(), 12));
        assertThrows(IllegalStateException.class, () -> a.release(5000));
    }
}
