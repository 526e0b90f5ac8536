package io.jswarm.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a daemon runs.
 *
 * @param socket           the local control API's Unix socket (default {@value #DEFAULT_SOCKET})
 * @param dataRoot         where the daemon keeps its state (default {@value #DEFAULT_DATA_ROOT})
 * @param hostname         the name this node reports (default: the machine's hostname)
 * @param heartbeatPeriod  session heartbeat period (default 1 s)
 * @param heartbeatTimeout silence after which a session is dead, on either side (default 3 s)
 * @param reconnectCap     longest wait between reconnection attempts to the manager (default 2 s, so a
 *                         restarted manager sees its agents back within about two seconds)
 * @param gossipPort       gossip membership port on the advertise address, the same on every node (managers
 *                         are seeded at manager-host:gossipPort); 0 runs no gossip (in-process tests, where
 *                         several daemons share one address)
 * @param metricsAddr      host:port for Prometheus {@code /metrics}, or null for none
 * @param execRoot         run-time files (default {@value #DEFAULT_EXEC_ROOT}); network namespaces are bound under
 *                         {@code execRoot/netns}, so several daemons on one machine never collide
 * @param minCertExpiry    the smallest {@code init --cert-expiry} accepted: Docker's 1 h, lowered only by the
 *                         daemon's {@code JSWARM_UNSAFE_MIN_CERT_EXPIRY} (tests with short-lived certificates)
 * @param managerTimeout   how long a worker waits for the manager's answer to one call (attach, detach,
 *                         releases; default {@link #DEFAULT_MANAGER_TIMEOUT}), and how long an attach right after a
 *                         join waits for the manager's first view; at most {@link #MAX_MANAGER_TIMEOUT}, so an
 *                         attach's worst case (both waits) stays inside the CLI's deadline. Raise it on slow hosts
 *                         (emulated guests are 4-8x slower than a LAN host)
 * @param apiSocket        the Docker Engine API's Unix socket (issue 13), or null for none
 */
public record DaemonConfig(Path socket, Path dataRoot, String hostname, Duration heartbeatPeriod,
                           Duration heartbeatTimeout, Duration reconnectCap, int gossipPort, String metricsAddr,
                           Path execRoot, Duration minCertExpiry, Duration managerTimeout, Path apiSocket) {
    public static final int DEFAULT_GOSSIP_PORT = 7946;
    public static final String DEFAULT_SOCKET = "/run/jswarm/jswarm.sock";
    /** The Docker Engine API's socket for {@code jswarm daemon} (issue 13); {@code --api-socket none}: off. */
    public static final String DEFAULT_API_SOCKET = "/run/jswarm/docker.sock";
    public static final String DEFAULT_DATA_ROOT = "/var/lib/jswarm";
    public static final String DEFAULT_EXEC_ROOT = "/run/jswarm";
    /** Ample for a LAN (a manager answers in milliseconds) yet short enough that a silent one is reported. */
    public static final Duration DEFAULT_MANAGER_TIMEOUT = Duration.ofSeconds(10);
    /** Twice this (first view + the call) plus slack is within the CLI's 2-minute deadline for attach. */
    public static final Duration MAX_MANAGER_TIMEOUT = Duration.ofSeconds(55);

    public DaemonConfig {
        Objects.requireNonNull(socket);
        Objects.requireNonNull(dataRoot);
        Objects.requireNonNull(execRoot);
        Objects.requireNonNull(minCertExpiry);
        if (minCertExpiry.isNegative() || minCertExpiry.isZero() || minCertExpiry.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("minimum certificate expiry " + minCertExpiry + " must be within (0, 1h]");
        }
        Objects.requireNonNull(managerTimeout);
        if (managerTimeout.isNegative() || managerTimeout.isZero() || managerTimeout.compareTo(MAX_MANAGER_TIMEOUT) > 0) {
            throw new IllegalArgumentException("manager timeout " + managerTimeout + " must be within (0, "
                    + MAX_MANAGER_TIMEOUT.toSeconds() + "s]");
        }
        if (hostname == null || hostname.isBlank()) {
            throw new IllegalArgumentException("hostname must not be empty");
        }
        if (heartbeatTimeout.compareTo(heartbeatPeriod) <= 0) {
            throw new IllegalArgumentException("heartbeat timeout must exceed the period");
        }
        if (gossipPort < 0 || gossipPort > 65535) {
            throw new IllegalArgumentException("gossip port out of range: " + gossipPort);
        }
    }

    /** Without the Docker Engine API (in-process daemons; {@link #withApiSocket} adds it). */
    public DaemonConfig(Path socket, Path dataRoot, String hostname, Duration heartbeatPeriod,
                        Duration heartbeatTimeout, Duration reconnectCap, int gossipPort, String metricsAddr,
                        Path execRoot, Duration minCertExpiry, Duration managerTimeout) {
        this(socket, dataRoot, hostname, heartbeatPeriod, heartbeatTimeout, reconnectCap, gossipPort, metricsAddr,
                execRoot, minCertExpiry, managerTimeout, null);
    }

    public DaemonConfig(Path socket, Path dataRoot, String hostname, Duration heartbeatPeriod,
                        Duration heartbeatTimeout, Duration reconnectCap, int gossipPort, String metricsAddr,
                        Path execRoot, Duration minCertExpiry) {
        this(socket, dataRoot, hostname, heartbeatPeriod, heartbeatTimeout, reconnectCap, gossipPort, metricsAddr,
                execRoot, minCertExpiry, DEFAULT_MANAGER_TIMEOUT);
    }

    public DaemonConfig(Path socket, Path dataRoot, String hostname, Duration heartbeatPeriod,
                        Duration heartbeatTimeout, Duration reconnectCap, int gossipPort, String metricsAddr,
                        Path execRoot) {
        this(socket, dataRoot, hostname, heartbeatPeriod, heartbeatTimeout, reconnectCap, gossipPort, metricsAddr,
                execRoot, Duration.ofHours(1));
    }

    public DaemonConfig(Path socket, Path dataRoot, String hostname, Duration heartbeatPeriod,
                        Duration heartbeatTimeout, Duration reconnectCap, int gossipPort, String metricsAddr) {
        this(socket, dataRoot, hostname, heartbeatPeriod, heartbeatTimeout, reconnectCap, gossipPort, metricsAddr,
                Path.of(DEFAULT_EXEC_ROOT));
    }

    /** Without gossip or metrics. */
    public DaemonConfig(Path socket, Path dataRoot, String hostname, Duration heartbeatPeriod,
                        Duration heartbeatTimeout, Duration reconnectCap) {
        this(socket, dataRoot, hostname, heartbeatPeriod, heartbeatTimeout, reconnectCap, 0, null);
    }

    public DaemonConfig withGossip(int port, String metrics) {
        return new DaemonConfig(socket, dataRoot, hostname, heartbeatPeriod, heartbeatTimeout, reconnectCap, port, metrics,
                execRoot, minCertExpiry, managerTimeout, apiSocket);
    }

    public DaemonConfig withExecRoot(Path dir) {
        return new DaemonConfig(socket, dataRoot, hostname, heartbeatPeriod, heartbeatTimeout, reconnectCap, gossipPort,
                metricsAddr, dir, minCertExpiry, managerTimeout, apiSocket);
    }

    /** Lowers the {@code --cert-expiry} floor (tests only: {@code JSWARM_UNSAFE_MIN_CERT_EXPIRY}). */
    public DaemonConfig withMinCertExpiry(Duration min) {
        return new DaemonConfig(socket, dataRoot, hostname, heartbeatPeriod, heartbeatTimeout, reconnectCap, gossipPort,
                metricsAddr, execRoot, min, managerTimeout, apiSocket);
    }

    /** A slower or faster manager deadline ({@code jswarm daemon --manager-timeout}). */
    public DaemonConfig withManagerTimeout(Duration timeout) {
        return new DaemonConfig(socket, dataRoot, hostname, heartbeatPeriod, heartbeatTimeout, reconnectCap, gossipPort,
                metricsAddr, execRoot, minCertExpiry, timeout, apiSocket);
    }

    /** Serves the Docker Engine API on {@code path} (null: not at all). */
    public DaemonConfig withApiSocket(Path path) {
        return new DaemonConfig(socket, dataRoot, hostname, heartbeatPeriod, heartbeatTimeout, reconnectCap, gossipPort,
                metricsAddr, execRoot, minCertExpiry, managerTimeout, path);
    }

    public static DaemonConfig defaults(Path socket, Path dataRoot, String hostname) {
        return new DaemonConfig(socket, dataRoot, hostname, Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofSeconds(2),
                DEFAULT_GOSSIP_PORT, null);
    }

    /** The machine's hostname, as Docker reports it. */
    public static String machineHostname() {
        try {
            String h = java.nio.file.Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (java.io.IOException e) {
            // fall through to the JDK's idea of it
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }
}
