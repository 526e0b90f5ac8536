package io.jswarm.manager.api;

import io.jswarm.manager.ports.ApiLimits;
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
 * @param limits           what a client may hold on the API port (connections, handshake, message sizes, join
 *                         rate); {@link ApiLimits#defaults} documents the defaults
 * @param raft             the replicated log's server (issue 12); {@link io.jswarm.manager.raft.RaftSettings#loopback}
 *                         unless given (one manager in a test)
 */
public record ManagerConfig(InetSocketAddress listen, String managerAddr, Duration heartbeatPeriod,
                            Duration heartbeatTimeout, String engineVersion, ApiLimits limits,
                            io.jswarm.manager.raft.RaftSettings raft) {
    public static final Duration DEFAULT_HEARTBEAT_PERIOD = Duration.ofSeconds(1);
    public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(3);

    public ManagerConfig {
        Objects.requireNonNull(listen);
        Objects.requireNonNull(managerAddr);
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(raft, "raft");
        if (heartbeatTimeout.compareTo(heartbeatPeriod) <= 0) {
            throw new IllegalArgumentException("heartbeat timeout must exceed the period");
        }
    }

    /** With the default {@link ApiLimits}. */
    public ManagerConfig(InetSocketAddress listen, String managerAddr, Duration heartbeatPeriod,
                         Duration heartbeatTimeout, String engineVersion) {
        this(listen, managerAddr, heartbeatPeriod, heartbeatTimeout, engineVersion, ApiLimits.defaults());
    }

    /** With a loopback Raft server of one manager. */
    public ManagerConfig(InetSocketAddress listen, String managerAddr, Duration heartbeatPeriod,
                         Duration heartbeatTimeout, String engineVersion, ApiLimits limits) {
        this(listen, managerAddr, heartbeatPeriod, heartbeatTimeout, engineVersion, limits,
                io.jswarm.manager.raft.RaftSettings.loopback());
    }

    public ManagerConfig withRaft(io.jswarm.manager.raft.RaftSettings r) {
        return new ManagerConfig(listen, managerAddr, heartbeatPeriod, heartbeatTimeout, engineVersion, limits, r);
    }

    public ManagerConfig withLimits(ApiLimits l) {
        return new ManagerConfig(listen, managerAddr, heartbeatPeriod, heartbeatTimeout, engineVersion, l, raft);
    }

    public static ManagerConfig defaults(InetSocketAddress listen, String managerAddr, String engineVersion) {
        return new ManagerConfig(listen, managerAddr, DEFAULT_HEARTBEAT_PERIOD, DEFAULT_HEARTBEAT_TIMEOUT, engineVersion);
    }
}
