package io.jswarm.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.agent.AdvertiseAddress.Candidate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdvertiseAddressTest {
    final List<Candidate> one = List.of(new Candidate("eth0", "192.0.2.11"));
    final List<Candidate> two = List.of(new Candidate("eth0", "192.0.2.11"), new Candidate("eth1", "198.51.100.1"));

    @Test
    void explicitAddressesAndInterfaceNames() {
        assertEquals("203.0.113.5", AdvertiseAddress.choose("203.0.113.5", two));
        assertEquals("198.51.100.1", AdvertiseAddress.choose("eth1", two));
        assertThrows(IllegalArgumentException.class, () -> AdvertiseAddress.choose("eth9", two));
        assertThrows(IllegalArgumentException.class, () -> AdvertiseAddress.choose("0.0.0.0", two));
    }

    @Test
    void choosesTheOnlyAddressButNeverGuessesBetweenSeveral() {
        assertEquals("192.0.2.11", AdvertiseAddress.choose("", one));
        var e = assertThrows(IllegalArgumentException.class, () -> AdvertiseAddress.choose("", two));
        assertTrue(e.getMessage().contains("multiple addresses"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AdvertiseAddress.choose("", List.of()));
    }

    @Test
    void splitsAPortOff() {
        assertEquals(Optional.of(4000), AdvertiseAddress.port("192.0.2.11:4000"));
        assertEquals(Optional.empty(), AdvertiseAddress.port("192.0.2.11"));
        assertEquals("192.0.2.11", AdvertiseAddress.hostPart("192.0.2.11:4000"));
    }
}
