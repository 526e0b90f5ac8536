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
 */
public record DaemonConfig(Path socket, Path dataRoot, String hostname, Duration heartbeatPeriod,
                           Duration heartbeatTimeout, Duration reconnectCap, int gossipPort, String metricsAddr,
                           Path execRoot, Duration minCertExpiry) {
    public static final int DEFAULT_GOSSIP_PORT = 7946;
    public static final String DEFAULT_SOCKET = "/run/jswarm/jswarm.sock";
    public static final String DEFAULT_DATA_ROOT = "/var/lib/jswarm";
    public static final String DEFAULT_EXEC_ROOT = "/run/jswarm";

    public DaemonConfig {
        Objects.requireNonNull(socket);
        Objects.requireNonNull(dataRoot);
        Objects.requireNonNull(execRoot);
        Objects.requireNonNull(minCertExpiry);
        if (minCertExpiry.isNegative() || minCertExpiry.isZero() || minCertExpiry.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("minimum certificate expiry " + minCertExpiry + " must be within (0, 1h]");
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
                execRoot, minCertExpiry);
    }

    public DaemonConfig withExecRoot(Path dir) {
        return new DaemonConfig(socket, dataRoot, hostname, heartbeatPeriod, heartbeatTimeout, reconnectCap, gossipPort,
                metricsAddr, dir, minCertExpiry);
    }

    /** Lowers the {@code --cert-expiry} floor (tests only: {@code JSWARM_UNSAFE_MIN_CERT_EXPIRY}). */
    public DaemonConfig withMinCertExpiry(Duration min) {
        return new DaemonConfig(socket, dataRoot, hostname, heartbeatPeriod, heartbeatTimeout, reconnectCap, gossipPort,
                metricsAddr, execRoot, min);
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
