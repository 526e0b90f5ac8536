package io.jswarm.dns;

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
 * @param tcp            limits of the TCP side, so no client holds it forever
 */
public record DnsConfig(List<InetSocketAddress> upstreams, Duration forwardTimeout, int ttlSeconds, int maxPending,
                        TcpLimits tcp) {

    /**
     * @param idle           a connection that sends nothing for this long is closed
     * @param maxConnections open connections per sandbox; one more is closed at once
     */
    public record TcpLimits(Duration idle, int maxConnections) {
        /** Docker's resolver allows a few seconds per TCP read; 10 s covers a 2 s forward with room to spare. */
        public static final TcpLimits DEFAULT = new TcpLimits(Duration.ofSeconds(10), 64);

        public TcpLimits {
            Objects.requireNonNull(idle, "idle");
            if (idle.isNegative() || idle.isZero() || idle.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new IllegalArgumentException("idle must be in (0, 5 min]: " + idle);
            }
            if (maxConnections < 1 || maxConnections > 1024) {
                throw new IllegalArgumentException("maxConnections must be in 1..1024: " + maxConnections);
            }
        }
    }

    public DnsConfig(List<InetSocketAddress> upstreams, Duration forwardTimeout, int ttlSeconds, int maxPending) {
        this(upstreams, forwardTimeout, ttlSeconds, maxPending, TcpLimits.DEFAULT);
    }

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
        Objects.requireNonNull(tcp, "tcp");
    }

    public static DnsConfig withUpstreams(List<InetSocketAddress> upstreams) {
        return new DnsConfig(upstreams, Duration.ofSeconds(2), 600, 1024);
    }
}
