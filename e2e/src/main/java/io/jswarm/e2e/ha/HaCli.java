package io.jswarm.e2e.ha;

import io.jswarm.cli.cluster.ClusterCommands;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import picocli.CommandLine;

/**
 * The {@code jswarm} CLI run in this JVM against one daemon's socket (the daemon is its own process): what an
 * operator types, with its exit code, stdout and stderr. Each call builds its own command line and daemon
 * connection, so concurrent calls share nothing.
 */
public final class HaCli {
    private HaCli() {
    }

    /** What one command left. */
    public record Result(int rc, String out, String err) {
        public boolean ok() {
            return rc == 0;
        }

        /** The one-line error a failed command printed (stderr, else stdout), for the ledger. */
        public String error() {
            String e = err.isBlank() ? out : err;
            return e.strip().lines().reduce((a, b) -> b).orElse("(no output, rc " + rc + ")");
        }

        public String all() {
            return "rc=" + rc + " out=" + out.strip() + " err=" + err.strip();
        }
    }

    @CommandLine.Command(name = "jswarm")
    static final class Top implements Runnable {
        @Override
        public void run() {
        }
    }

    public static Result run(Path socket, String... args) {
        CommandLine cl = ClusterCommands.register(new CommandLine(new Top()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] full = new String[args.length + 2];
        full[0] = "-H";
        full[1] = "unix://" + socket;
        System.arraycopy(args, 0, full, 2, args.length);
        int rc = cl.execute(full);
        return new Result(rc, out.toString(), err.toString());
    }

    /**
     * {@code join} with the token in an owner-only file ({@code --token-file}), never in an argument: a token in
     * argv is readable by every user in {@code ps}. The file is gone when this returns.
     */
    public static Result join(Path socket, String token, String manager, String advertise) {
        Path file = null;
        try {
            file = Files.createTempFile("jsha-token-", "", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, token + "\n");
            return run(socket, "join", "--token-file", file.toString(), "--advertise-addr", advertise, manager);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temp file; the OS cleans /tmp
                }
            }
        }
    }
}
