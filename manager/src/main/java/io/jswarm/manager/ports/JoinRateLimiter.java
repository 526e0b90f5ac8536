package io.jswarm.manager.ports;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A token bucket per source address for Join attempts: {@code burst} at once, one more every {@code refill}.
 * The map is bounded: when it holds {@link #MAX_SOURCES} addresses, those whose bucket has refilled (they
 * would be admitted anyway) are dropped, and if none has, the new address is refused (a spoofing-free TCP
 * flood from that many addresses is refused by the connection caps first). Thread-safe; time is injected.
 */
public final class JoinRateLimiter {
    static final int MAX_SOURCES = 10_000;

    private static final class Bucket {
        double tokens;
        long lastNanos;
    }

    private final int burst;
    private final long refillNanos;
    private final LongSupplier nanos;
    private final Map<InetAddress, Bucket> buckets = new HashMap<>();

    public JoinRateLimiter(int burst, Duration refill, LongSupplier nanos) {
        if (burst < 1 || refill.isNegative() || refill.isZero()) {
            throw new IllegalArgumentException("burst must be >= 1 and refill positive");
        }
        this.burst = burst;
        this.refillNanos = refill.toNanos();
        this.nanos = nanos;
    }

    /** Takes one attempt for {@code source}; false if it has none left. */
    public synchronized boolean tryAcquire(InetAddress source) {
        long now = nanos.getAsLong();
        Bucket b = buckets.get(source);
        if (b == null) {
            if (buckets.size() >= MAX_SOURCES && !prune(now)) {
                return false;
            }
            b = new Bucket();
            b.tokens = burst;
            b.lastNanos = now;
            buckets.put(source, b);
        }
        refill(b, now);
        if (b.tokens < 1) {
            return false;
        }
        b.tokens -= 1;
        return true;
    }

    synchronized int tracked() {
        return buckets.size();
    }

    private void refill(Bucket b, long now) {
        b.tokens = Math.min(burst, b.tokens + (double) (now - b.lastNanos) / refillNanos);
        b.lastNanos = now;
    }

    private boolean prune(long now) {
        buckets.values().removeIf(b -> {
            refill(b, now);
            return b.tokens >= burst;
        });
        return buckets.size() < MAX_SOURCES;
    }
}
