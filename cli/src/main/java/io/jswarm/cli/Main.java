package io.jswarm.cli;

import io.jswarm.cli.cluster.ClusterCommands;
import io.jswarm.cli.cluster.DaemonClient;
import io.jswarm.cli.cluster.DaemonConnector;
import io.jswarm.cli.demo.DemoCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the jswarm command. Errors come out as one Docker-like line and a non-zero exit. */
@Command(name = "jswarm", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Swarm-style VXLAN overlay networking for Linux hosts.",
        subcommands = {DemoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable, DaemonConnector.Source {
    /** How client commands reach the daemon: its control socket, or (in the daemon) its in-process channel. */
    private final DaemonConnector connector;

    public Main() {
        this(DaemonClient::new);
    }

    private Main(DaemonConnector connector) {
        this.connector = connector;
    }

    @Override
    public DaemonConnector connector() {
        return connector;
    }

    /** A failure the user can act on: printed as its message alone, without a stack trace. */
    public static final class UserError extends RuntimeException {
        public UserError(String message) {
            super(message);
        }
    }

    public static void main(String[] args) {
        // Log lines carry the wall-clock time (slf4j-simple prints none by default): a daemon's log is set against
        // other clocks (a peer's log, a ping's -D time stamps, the kernel's xfrm events). A -D flag wins.
        if (System.getProperty("org.slf4j.simpleLogger.showDateTime") == null) {
            System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
            System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        }
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        return run(ClusterCommands.register(new CommandLine(new Main())), null, null, args);
    }

    /**
     * Runs the command line in the daemon for the thin client ({@code CliEndpoint}): client commands call the
     * daemon through {@code connector}, and everything they print goes to {@code out} and {@code err}.
     */
    public static int run(DaemonConnector connector, PrintWriter out, PrintWriter err, String... args) {
        String only = io.jswarm.thin.FastPath.command(java.util.List.of(args)).orElse("");
        return run(ClusterCommands.register(new CommandLine(new Main(connector)), only), out, err, args);
    }

    private static int run(CommandLine cl, PrintWriter out, PrintWriter err, String... args) {
        if (out != null) { // after the subcommands are added: picocli passes these down to those it has now
            cl.setOut(out);
            cl.setErr(err);
            cl.setExpandAtFiles(false); // in the daemon: "@FILE" would be a file of the daemon's, read as root
        }
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter w = ex.getCommandLine().getErr();
            w.println("jswarm: " + ex.getMessage());
            w.println("See 'jswarm --help'.");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            PrintWriter w = c.getErr();
            w.println("jswarm: error: " + describe(ex));
            if (System.getenv("JSWARM_DEBUG") != null) {
                ex.printStackTrace(w);
            }
            w.flush();
            return 1;
        });
        return cl.execute(args);
    }

    /** The message a user needs: ours as is, anything unexpected with its type so it can be reported. */
    static String describe(Throwable ex) {
        if (ex instanceof UserError) {
            return ex.getMessage();
        }
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        return ex instanceof IOException || ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
                ? msg : ex.getClass().getSimpleName() + ": " + msg + " (JSWARM_DEBUG=1 for the stack trace)";
    }

    @Override
    public void run() {
        // `jswarm` alone: show what there is to do.
        ClusterCommands.register(new CommandLine(this)).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"jswarm " + p.getProperty("version", "unknown") + " (Java "
                    + Runtime.version() + ")"};
        }
    }
}
