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
        description = "Run the jswarm daemon (one per host): the local API on a Unix socket (-H), state in --data-root.")
final class DaemonCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data-root", paramLabel = "DIR", defaultValue = DaemonConfig.DEFAULT_DATA_ROOT,
            description = "Root directory of persistent jswarm state (default: ${DEFAULT-VALUE})")
    Path dataRoot;

    @Option(names = "--hostname", paramLabel = "NAME",
            description = "Name this node reports (default: the machine's hostname)")
    String hostname;

    @Override
    public Integer call() throws Exception {
        DaemonHost host;
        try {
            host = DaemonHost.resolve(ClientCommand.hostFlag(spec), System.getenv(DaemonHost.ENV));
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return 1;
        }
        var config = DaemonConfig.defaults(host.socket(), dataRoot.toAbsolutePath(),
                hostname != null ? hostname : DaemonConfig.machineHostname());
        Daemon daemon = new Daemon(config);
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM/SIGINT: close the socket and the manager cleanly; SIGKILL leaves state the restart recovers.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            stopped.countDown();
        }, "jswarm-shutdown"));
        try {
            daemon.start();
        } catch (Exception e) {
            spec.commandLine().getErr().println("failed to start daemon: " + e.getMessage());
            daemon.close();
            return 1;
        }
        stopped.await();
        return 0;
    }
}
