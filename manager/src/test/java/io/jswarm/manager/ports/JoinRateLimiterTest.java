package io.jswarm.manager.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JoinRateLimiterTest {
    static final InetAddress A = InetAddress.ofLiteral("192.0.2.1");
    static final InetAddress B = InetAddress.ofLiteral("192.0.2.2");

    @Test
    void burstThenOnePerRefillPerSource() {
        long[] now = {0};
        var l = new JoinRateLimiter(3, Duration.ofSeconds(1), () -> now[0]);
        for (int i = 0; i < 3; i++) {
            assertTrue(l.tryAcquire(A));
        }
        assertFalse(l.tryAcquire(A));
        assertTrue(l.tryAcquire(B), "another source has its own bucket");
        now[0] = Duration.ofMillis(999).toNanos();
        assertFalse(l.tryAcquire(A));
        now[0] = Duration.ofMillis(1000).toNanos();
        assertTrue(l.tryAcquire(A));
        assertFalse(l.tryAcquire(A));
    }

    @Test
    void theMapOfSourcesIsBounded() throws Exception {
        long[] now = {0};
        var l = new JoinRateLimiter(1, Duration.ofSeconds(1), () -> now[0]);
        for (int i = 0; i < JoinRateLimiter.MAX_SOURCES; i++) {
            assertTrue(l.tryAcquire(InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i})));
        }
        assertFalse(l.tryAcquire(A), "full and nobody refilled: refused, not grown");
        now[0] = Duration.ofSeconds(2).toNanos();
        assertTrue(l.tryAcquire(A), "refilled buckets are dropped to make room");
        assertEquals(1, l.tracked());
    }

    @Test
    void apiLimitsValidate() {
        ApiLimits d = ApiLimits.defaults();
        assertThrows(IllegalArgumentException.class, () -> d.withJoinRate(0, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new ApiLimits(Duration.ofSeconds(10), d.caps(),
                Duration.ofSeconds(5), d.maxUnverifiedBytes(), d.maxJoinBytes(), d.maxMessageBytes(),
                d.flowControlWindow(), d.maxCallsPerConnection(), d.joinBurst(), d.joinRefill()));
    }
}
