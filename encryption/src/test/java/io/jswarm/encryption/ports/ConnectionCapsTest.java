package io.jswarm.encryption.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConnectionCapsTest {
    static final InetAddress A = InetAddress.ofLiteral("192.0.2.1");
    static final InetAddress B = InetAddress.ofLiteral("192.0.2.2");

    @Test
    void perSourceAndTotalCapsRefuseAndFreedSlotsAreReused() {
        var caps = new ConnectionCaps(new ConnectionCaps.Limits(3, 2, 2, 1));
        var a1 = caps.admit(A).ticket().orElseThrow();
        caps.admit(A).ticket().orElseThrow();
        assertEquals(Optional.of(ConnectionCaps.Refusal.UNVERIFIED_PER_SOURCE), caps.admit(A).refusal());
        caps.admit(B).ticket().orElseThrow();
        assertEquals(Optional.of(ConnectionCaps.Refusal.UNVERIFIED_TOTAL), caps.admit(B).refusal());
        a1.close();
        a1.close(); // idempotent
        assertEquals(2, caps.unverified());
        assertTrue(caps.admit(A).ticket().isPresent());
    }

    @Test
    void verifiedConnectionsFreeUnverifiedSlotsAndHaveTheirOwnCaps() {
        var caps = new ConnectionCaps(new ConnectionCaps.Limits(2, 2, 2, 1));
        var t1 = caps.admit(A).ticket().orElseThrow();
        var t2 = caps.admit(A).ticket().orElseThrow();
        assertEquals(Optional.empty(), t1.verify());
        assertEquals(Optional.of(ConnectionCaps.Refusal.VERIFIED_PER_SOURCE), t2.verify());
        assertEquals(1, caps.verified());
        assertEquals(1, caps.unverified());
        assertTrue(caps.admit(A).ticket().isPresent(), "the verified one no longer takes an unverified slot");
        t1.close();
        assertEquals(0, caps.verified());
    }

    @Test
    void limitsValidate() {
        assertThrows(IllegalArgumentException.class, () -> new ConnectionCaps.Limits(1, 2, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ConnectionCaps.Limits(0, 0, 1, 1));
    }

    @Test
    void aFloodIsOneLinePerWindowWithItsCount() {
        List<String> lines = new ArrayList<>();
        long[] now = {0};
        var log = new SampledLog(lines::add, "refused", Duration.ofSeconds(10), () -> now[0]);
        for (int i = 0; i < 1000; i++) {
            log.record(i % 2 == 0 ? "cap" : "rate", "192.0.2." + (i % 3));
        }
        assertEquals(1, lines.size(), "only the first is logged at once: " + lines);
        now[0] = Duration.ofSeconds(11).toNanos();
        log.flush();
        assertEquals(2, lines.size());
        assertTrue(lines.get(1).contains("count=1000") && lines.get(1).contains("reasons={cap=500, rate=500}")
                && lines.get(1).contains("sources=3"), lines.get(1));
        log.flush();
        assertEquals(2, lines.size(), "nothing new: no line");
    }
}
