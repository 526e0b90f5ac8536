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
 */
public record DataplaneConfig(Netns hostNs, Path runDir) {
    public static final Path DEFAULT_RUN_DIR = Path.of("/run/jswarm");

    public DataplaneConfig {
        if (hostNs == null || runDir == null || !runDir.isAbsolute()) {
            throw new IllegalArgumentException("host namespace and an absolute run directory are required");
        }
    }

    public static DataplaneConfig defaults() {
        return new DataplaneConfig(Netns.current(), DEFAULT_RUN_DIR);
    }

    public DataplaneConfig withHostNs(Netns ns) {
        return new DataplaneConfig(ns, runDir);
    }

    public DataplaneConfig withRunDir(Path dir) {
        return new DataplaneConfig(hostNs, dir);
    }

    /** The namespace file of network {@code networkId}. */
    public Path networkNamespace(String networkId) {
        return runDir.resolve("netns").resolve(networkId);
    }
}
