package io.jswarm.cli.cluster;

import io.jswarm.agent.DaemonConfig;
import java.nio.file.Path;

/**
 * Where the local daemon listens, as {@code -H}/{@code JSWARM_HOST} say (like {@code DOCKER_HOST}):
 * {@code unix:///path/to.sock}. Only Unix sockets: the local API has no authentication beyond the socket's
 * file permissions, so it is never exposed on TCP.
 */
public record DaemonHost(Path socket) {
    public static final String ENV = "JSWARM_HOST";
    public static final String DEFAULT = "unix://" + DaemonConfig.DEFAULT_SOCKET;

    /** From the flag, else the environment, else the default. */
    public static DaemonHost resolve(String flag, String env) {
        String v = flag != null && !flag.isBlank() ? flag : env != null && !env.isBlank() ? env : DEFAULT;
        return parse(v);
    }

    public static DaemonHost parse(String value) {
        if (value.startsWith("unix://")) {
            String path = value.substring("unix://".length());
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("invalid host " + value + ": the socket path must be absolute (unix:///path)");
            }
            return new DaemonHost(Path.of(path));
        }
        if (value.startsWith("/")) {
            return new DaemonHost(Path.of(value));
        }
        throw new IllegalArgumentException("invalid host " + value + ": only unix:///path hosts are supported");
    }

    @Override
    public String toString() {
        return "unix://" + socket;
    }
}
