package io.jswarm.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DaemonConfigTest {
    private static final DaemonConfig BASE = DaemonConfig.defaults(Path.of("/run/x.sock"), Path.of("/var/lib/x"), "h1");

    @Test
    void theManagerTimeoutDefaultsToTenSecondsAndIsConfigurable() {
        assertEquals(Duration.ofSeconds(10), BASE.managerTimeout());
        DaemonConfig slow = BASE.withGossip(7946, null).withManagerTimeout(Duration.ofSeconds(40));
        assertEquals(Duration.ofSeconds(40), slow.managerTimeout());
        assertEquals(Duration.ofSeconds(40), slow.withExecRoot(Path.of("/run/y")).withMinCertExpiry(Duration.ofMinutes(1))
                .withGossip(0, null).managerTimeout(), "kept by every other with-er");
    }

    @Test
    void aManagerTimeoutOutsideItsRangeIsRefused() {
        for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofSeconds(-1), Duration.ofSeconds(56)}) {
            var e = assertThrows(IllegalArgumentException.class, () -> BASE.withManagerTimeout(bad));
            assertEquals("manager timeout " + bad + " must be within (0, 55s]", e.getMessage());
        }
    }
}
