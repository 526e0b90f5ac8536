package io.jswarm.cli.cluster;

import io.jswarm.agent.Daemon;
import io.jswarm.agent.DaemonConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "daemon", mixinStandardHelpOptions = true,
        description = "Run the jswarm daemon (one per host): the local API on a Unix socket (-H), state in --data-root.",
        footerHeading = "%nEnvironment:%n",
        footer = {"  " + DaemonCommand.UNSAFE_MIN_CERT_EXPIRY + "=DURATION",
                "      Testing only, never on a real swarm: lets `init --cert-expiry` go",
                "      below Docker's 1h minimum, down to DURATION (e.g. 20s; at most 1h).",
                "      Certificates renew at two thirds of their lifetime."})
final class DaemonCommand implements Callable<Integer> {
    /** The exit status of a daemon that stopped on a failure only a restart repairs (sysexits EX_SOFTWARE). */
    static final int EXIT_FATAL = 70;
    /** Lowers the {@code --cert-expiry} floor for tests with short-lived certificates; unset in production. */
    static final String UNSAFE_MIN_CERT_EXPIRY = "JSWARM_UNSAFE_MIN_CERT_EXPIRY";

    @Spec
    CommandSpec spec;

    @Option(names = "--data-root", paramLabel = "DIR", defaultValue = DaemonConfig.DEFAULT_DATA_ROOT,
            description = "Root directory of persistent jswarm state (default: ${DEFAULT-VALUE})")
    Path dataRoot;

    @Option(names = "--hostname", paramLabel = "NAME",
            description = "Name this node reports (default: the machine's hostname)")
    String hostname;

    @Option(names = "--gossip-port", paramLabel = "PORT", defaultValue = "7946",
            description = "Gossip membership port on the advertise address, the same on every node; 0: no gossip (default: ${DEFAULT-VALUE})")
    int gossipPort;

    @Option(names = "--metrics-addr", paramLabel = "HOST:PORT",
            description = "Serve Prometheus metrics on http://HOST:PORT/metrics (default: off)")
    String metricsAddr;

    @Option(names = "--exec-root", paramLabel = "DIR", defaultValue = DaemonConfig.DEFAULT_EXEC_ROOT,
            description = "Run-time state; network namespaces live under DIR/netns (default: ${DEFAULT-VALUE})")
    java.nio.file.Path execRoot;

    @Option(names = "--manager-timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "How long a worker waits for the manager's answer to one call (attach, detach, releases, "
                    + "renewal), and an attach right after a join for the manager's first view; raise it on slow "
                    + "hosts (emulated guests), at most 55s (default: ${DEFAULT-VALUE})")
    String managerTimeout;

    @Option(names = "--api-socket", paramLabel = "PATH|none", defaultValue = DaemonConfig.DEFAULT_API_SOCKET,
            description = "Serve the Docker Engine API (swarm, nodes, networks) on this Unix socket, owner-only; "
                    + "none: off (default: ${DEFAULT-VALUE})")
    String apiSocket;

    @Override
    public Integer call() throws Exception {
        hardenJvm();
        DaemonHost host;
        try {
            host = DaemonHost.resolve(ClientCommand.hostFlag(spec), System.getenv(DaemonHost.ENV));
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return 1;
        }
        var config = DaemonConfig.defaults(host.socket(), dataRoot.toAbsolutePath(),
                hostname != null ? hostname : DaemonConfig.machineHostname()).withGossip(gossipPort, metricsAddr).withExecRoot(execRoot.toAbsolutePath())
                .withApiSocket(apiSocket.equals("none") ? null : Path.of(apiSocket).toAbsolutePath());
        try {
            config = config.withManagerTimeout(GoDuration.parse(managerTimeout));
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("invalid --manager-timeout '" + managerTimeout + "': " + e.getMessage());
            return 1;
        }
        String unsafeMin = System.getenv(UNSAFE_MIN_CERT_EXPIRY);
        if (unsafeMin != null && !unsafeMin.isEmpty()) {
            try {
                config = config.withMinCertExpiry(GoDuration.parse(unsafeMin));
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("invalid " + UNSAFE_MIN_CERT_EXPIRY + " '" + unsafeMin + "': "
                        + e.getMessage());
                return 1;
            }
            org.slf4j.LoggerFactory.getLogger(DaemonCommand.class).warn("{}={}: init accepts certificate lifetimes "
                    + "below Docker's 1h minimum (testing only)", UNSAFE_MIN_CERT_EXPIRY, unsafeMin);
        }
        Daemon daemon = new Daemon(config);
        daemon.onFatal(reason -> {
            // Not on the caller's thread: exit runs the shutdown hook, which closes what that thread may belong to.
            org.slf4j.LoggerFactory.getLogger(DaemonCommand.class).error("{}; exiting {} so that the service manager "
                    + "starts this daemon again", reason, EXIT_FATAL);
            Thread.ofPlatform().name("jswarm-fatal").start(() -> System.exit(EXIT_FATAL));
        });
        CountDownLatch stopped = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<CliEndpoint> cli = new java.util.concurrent.atomic.AtomicReference<>();
        // SIGTERM/SIGINT: close the socket and the manager cleanly; SIGKILL leaves state the restart recovers.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            CliEndpoint c = cli.get();
            if (c != null) {
                c.close();
            }
            daemon.close();
            stopped.countDown();
        }, "jswarm-shutdown"));
        try {
            daemon.start();
            // The thin client's socket (issue 13), beside the control socket: the daemon runs its commands. Without
            // it (e.g. a control socket path so long that ".http" passes the 108-byte limit) the thin client
            // finds no socket and falls back to the full client: a warning, not a failed daemon.
            CliEndpoint c = new CliEndpoint(host.socket(), daemon.localChannel());
            try {
                c.start();
                cli.set(c);
            } catch (java.io.IOException | RuntimeException e) {
                c.close();
                org.slf4j.LoggerFactory.getLogger(DaemonCommand.class).warn("no CLI socket, every command takes the "
                        + "full client error={}", e.getMessage());
            }
        } catch (Exception e) {
            spec.commandLine().getErr().println("failed to start daemon: " + e.getMessage());
            CliEndpoint c = cli.getAndSet(null);
            if (c != null) {
                c.close();
            }
            daemon.close();
            return 1;
        }
        stopped.await();
        return 0;
    }

    /**
     * Before any network class loads. No Java deserialization anywhere in the daemon: a filter rejecting
     * every class backstops libraries that might try (scalecube has serializable types). Netty without
     * sun.misc.Unsafe: Java 25 warns on (and will deny) its memory access; heap/NIO buffers suffice here.
     * Flags given on the command line win.
     */
    static void hardenJvm() {
        if (java.io.ObjectInputFilter.Config.getSerialFilter() == null) {
            java.io.ObjectInputFilter.Config.setSerialFilter(java.io.ObjectInputFilter.Config.createFilter("!*"));
        }
        if (System.getProperty("io.netty.noUnsafe") == null) {
            System.setProperty("io.netty.noUnsafe", "true");
        }
    }
}
