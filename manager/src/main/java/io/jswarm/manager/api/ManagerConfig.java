package io.jswarm.manager.api;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * How a manager serves its API.
 *
 * @param listen           where the API listens (Docker's {@code --listen-addr}, default 0.0.0.0:2377)
 * @param managerAddr      the address other nodes reach it at ({@code advertise-addr:port})
 * @param heartbeatPeriod  how often sessions exchange heartbeats (default 1 s; Docker's dispatcher uses 5 s,
 *                         shorter here so Down is reported within seconds)
 * @param heartbeatTimeout silence after which a session is dead (default 3 s: three missed heartbeats)
 * @param engineVersion    this build's version, shown as ENGINE VERSION
 */
public record ManagerConfig(InetSocketAddress listen, String managerAddr, Duration heartbeatPeriod,
                            Duration heartbeatTimeout, String engineVersion) {
    public static final Duration DEFAULT_HEARTBEAT_PERIOD = Duration.ofSeconds(1);
    public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(3);

    public ManagerConfig {
        Objects.requireNonNull(listen);
        Objects.requireNonNull(managerAddr);
        if (heartbeatTimeout.compareTo(heartbeatPeriod) <= 0) {
            throw new IllegalArgumentException("heartbeat timeout must exceed the period");
        }
    }

    public static ManagerConfig defaults(InetSocketAddress listen, String managerAddr, String engineVersion) {
        return new ManagerConfig(listen, managerAddr, DEFAULT_HEARTBEAT_PERIOD, DEFAULT_HEARTBEAT_TIMEOUT, engineVersion);
    }
}
