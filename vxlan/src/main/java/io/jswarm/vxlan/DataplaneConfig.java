package io.jswarm.vxlan;

import java.nio.file.Path;

/**
 * Where the data plane lives on a host.
 *
 * @param hostNs the namespace holding the underlay (VTEP) address; VXLAN devices are created here and
 *               then moved into the network namespace. Default: the JVM's own namespace.
 * @param runDir the daemon's run directory; network namespaces are bound under {@code runDir/netns}, so
 *               several daemons on one machine (each with its own run directory) never collide.
 *               Default {@code /run/jswarm}.
 * @param portGuard whether each sandbox's bridge port is guarded against MAC, IP and ARP spoofing
 *                  ({@link PortGuards}). Default on; off only to measure what it costs (the {@code datapath} bench).
 */
public record DataplaneConfig(Netns hostNs, Path runDir, boolean portGuard) {
    public static final Path DEFAULT_RUN_DIR = Path.of("/run/jswarm");

    public DataplaneConfig {
        if (hostNs == null || runDir == null || !runDir.isAbsolute()) {
            throw new IllegalArgumentException("host namespace and an absolute run directory are required");
        }
    }

    /** With the port guard on. */
    public DataplaneConfig(Netns hostNs, Path runDir) {
        this(hostNs, runDir, true);
    }

    public DataplaneConfig withPortGuard(boolean on) {
        return new DataplaneConfig(hostNs, runDir, on);
    }

    public static DataplaneConfig defaults() {
        return new DataplaneConfig(Netns.current(), DEFAULT_RUN_DIR);
    }

    public DataplaneConfig withHostNs(Netns ns) {
        return new DataplaneConfig(ns, runDir, portGuard);
    }

    public DataplaneConfig withRunDir(Path dir) {
        return new DataplaneConfig(hostNs, dir, portGuard);
    }

    /** The namespace file of network {@code networkId}. */
    public Path networkNamespace(String networkId) {
        return runDir.resolve("netns").resolve(networkId);
    }
}
