package io.jswarm.gossip.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Embedded resolver settings.
 *
 * @param upstreams      the host's resolvers, tried in order (at most 3, like Docker); empty means unknown
 *                       names get NXDOMAIN
 * @param forwardTimeout total time a forwarded query may take over all upstreams before SERVFAIL; short so a
 *                       dead upstream never stalls the sandbox for long (glibc's default is 5 s per try)
 * @param ttlSeconds     TTL of local answers (Docker: 600)
 * @param maxPending     forwarded queries in flight; beyond it new ones get SERVFAIL at once (bounded memory)
 */
public record DnsConfig(List<InetSocketAddress> upstreams, Duration forwardTimeout, int ttlSeconds, int maxPending) {

    public static final int MAX_UPSTREAMS = 3;

    public DnsConfig {
        upstreams = List.copyOf(Objects.requireNonNull(upstreams, "upstreams"));
        if (upstreams.size() > MAX_UPSTREAMS) {
            throw new IllegalArgumentException("at most " + MAX_UPSTREAMS + " upstreams: " + upstreams);
        }
        upstreams.forEach(u -> {
            if (u.isUnresolved()) {
                throw new IllegalArgumentException("upstream must be an IP address: " + u);
            }
        });
        Objects.requireNonNull(forwardTimeout, "forwardTimeout");
        if (forwardTimeout.isNegative() || forwardTimeout.isZero() || forwardTimeout.compareTo(Duration.ofSeconds(30)) > 0) {
            throw new IllegalArgumentException("forwardTimeout must be in (0, 30 s]: " + forwardTimeout);
        }
        if (ttlSeconds < 0) {
            throw new IllegalArgumentException("ttlSeconds must be >= 0: " + ttlSeconds);
        }
        if (maxPending < 1 || maxPending > 30_000) {
            // Ids are 16 bits; staying well below 65536 keeps finding a free random id cheap.
            throw new IllegalArgumentException("maxPending must be in 1..30000: " + maxPending);
        }
    }

    public static DnsConfig withUpstreams(List<InetSocketAddress> upstreams) {
        return new DnsConfig(upstreams, Duration.ofSeconds(2), 600, 1024);
    }
}
