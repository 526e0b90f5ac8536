package io.jswarm.cli.cluster;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Spec;

/**
 * A command that talks to the local daemon. Failures print one line on stderr and exit 1, like Docker's
 * "Error response from daemon: ...".
 */
abstract class ClientCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    abstract int run(DaemonClient daemon, PrintWriter out);

    @Override
    public final Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        DaemonHost host;
        try {
            host = DaemonHost.resolve(hostFlag(spec), System.getenv(DaemonHost.ENV));
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.flush();
            return 1;
        }
        Object top = spec.root().userObject();
        DaemonConnector connector = top instanceof DaemonConnector.Source s ? s.connector() : DaemonClient::new;
        try (DaemonClient daemon = connector.connect(host)) {
            int rc = run(daemon, spec.commandLine().getOut());
            spec.commandLine().getOut().flush();
            return rc;
        } catch (DaemonClient.Failure | IllegalArgumentException e) {
            spec.commandLine().getOut().flush();
            err.println(e.getMessage());
            err.flush();
            return 1;
        }
    }

    /** The {@code -H} value given on this command or any parent (the option is inherited). */
    static String hostFlag(CommandSpec spec) {
        for (CommandSpec s = spec; s != null; s = s.parent()) {
            OptionSpec o = s.findOption("--host");
            if (o != null && o.getValue() != null) {
                return o.getValue();
            }
        }
        return null;
    }
}
