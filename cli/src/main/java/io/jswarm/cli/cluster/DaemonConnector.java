package io.jswarm.cli.cluster;

/**
 * How a client command reaches the daemon: over its control socket ({@link DaemonClient#DaemonClient(DaemonHost)},
 * the default), or, when the daemon itself runs the command for the thin client, over its in-process channel.
 */
@FunctionalInterface
public interface DaemonConnector {
    DaemonClient connect(DaemonHost host);

    /** The top-level command that knows the connector (picocli's root user object). */
    interface Source {
        DaemonConnector connector();
    }
}
