package io.jswarm.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The commands' wiring: -H before or after the verb, and a clean one-line failure without a daemon. */
class CommandLineTest {
    @TempDir
    Path dir;

    @CommandLine.Command(name = "jswarm")
    static final class Top implements Runnable {
        @Override
        public void run() {
        }
    }

    String[] run(String... args) {
        CommandLine cl = ClusterCommands.register(new CommandLine(new Top()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(args);
        return new String[]{String.valueOf(rc), out.toString(), err.toString()};
    }

    @Test
    void noDaemonIsOneLineAndExitOne() {
        String sock = "unix://" + dir.resolve("none.sock");
        for (String[] r : new String[][]{run("-H", sock, "node", "ls"), run("node", "ls", "-H", sock), run("info", "-H", sock)}) {
            assertEquals("1", r[0]);
            assertEquals("Cannot connect to the jswarm daemon at " + sock + ". Is the jswarm daemon running?", r[2].strip());
        }
    }

    @Test
    void badFlagsAreUsageErrors() {
        String[] r = run("join");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--token"), r[2]);
    }

    @Test
    void networkCommandsFailOnOneLineAndRmCarriesOn() {
        String sock = "unix://" + dir.resolve("none.sock");
        String[] r = run("-H", sock, "network", "create", "-o", "colour=red", "secure");
        assertEquals("1", r[0]);
        assertEquals("unsupported driver option \"colour\" (supported: mtu, encrypted)", r[2].strip());
        r = run("-H", sock, "network", "rm", "a", "b");
        assertEquals("1", r[0]);
        assertEquals(2, r[2].strip().lines().count(), r[2]);
        r = run("-H", sock, "network", "ls", "--filter", "color=red");
        assertEquals("1", r[0]);
        assertEquals("Error response from daemon: invalid filter 'color'", r[2].strip());
        assertEquals("2", run("network", "attach", "net")[0], "--name is required");
    }
}
