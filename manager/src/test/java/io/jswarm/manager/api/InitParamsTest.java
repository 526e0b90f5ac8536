package io.jswarm.manager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --cert-expiry}: Docker's 1 h floor, lowered only by the daemon's explicit test setting. */
class InitParamsTest {
    private static InitParams params(Duration expiry, Duration min) {
        return new InitParams("m1", "192.0.2.1", "192.0.2.1:2377", "", 0, List.of(), 24, expiry, "test", min);
    }

    @Test
    void keepsDockersOneHourMinimumByDefault() {
        var e = assertThrows(IllegalArgumentException.class, () -> new InitParams("m1", "192.0.2.1",
                "192.0.2.1:2377", "", 0, List.of(), 24, Duration.ofMinutes(59), "test"));
        assertEquals("certificate expiry must be at least 1h", e.getMessage());
        assertEquals(Duration.ofHours(1), params(Duration.ofHours(1), InitParams.MIN_CERT_EXPIRY).certExpiry());
    }

    @Test
    void aLoweredFloorAcceptsShortLivedCertificatesAndNothingBelowIt() {
        assertEquals(Duration.ofSeconds(30), params(Duration.ofSeconds(30), Duration.ofSeconds(20)).certExpiry());
        assertEquals("certificate expiry must be at least 20s", assertThrows(IllegalArgumentException.class,
                () -> params(Duration.ofSeconds(19), Duration.ofSeconds(20))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> params(Duration.ofHours(3), Duration.ofHours(2)),
                "the setting may only lower the floor");
        assertThrows(IllegalArgumentException.class, () -> params(Duration.ofHours(3), Duration.ZERO));
    }
}
