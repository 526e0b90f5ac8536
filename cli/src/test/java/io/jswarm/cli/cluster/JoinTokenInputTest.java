package io.jswarm.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Issue 9, finding 11: {@code join} takes its secret from a file or standard input, never only from argv. */
class JoinTokenInputTest {
    private static final String TOKEN = "SWMTKN-1-" + "a".repeat(50) + "-" + "b".repeat(25);

    @TempDir
    Path dir;

    @CommandLine.Command(name = "jswarm")
    static final class Top implements Runnable {
        @Override
        public void run() {
        }
    }

    private String[] run(InputStream stdin, String... args) {
        InputStream saved = System.in;
        System.setIn(stdin);
        try {
            CommandLine cl = ClusterCommands.register(new CommandLine(new Top()));
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            cl.setOut(new PrintWriter(out));
            cl.setErr(new PrintWriter(err));
            int rc = cl.execute(args);
            return new String[]{String.valueOf(rc), out.toString(), err.toString()};
        } finally {
            System.setIn(saved);
        }
    }

    private Path ownerOnly(String content) throws Exception {
        Path f = Files.createFile(dir.resolve("token-" + System.nanoTime()),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(f, content);
        return f;
    }

    private static InputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void tokenFileAndStandardInputAreAcceptedAndDocumented() throws Exception {
        String sock = "unix://" + dir.resolve("none.sock");
        String cannot = "Cannot connect to the jswarm daemon at " + sock + ". Is the jswarm daemon running?";
        // Parsed and read: the command got as far as the daemon (none here), without a warning.
        String[] r = run(in(""), "-H", sock, "join", "--token-file", ownerOnly(TOKEN + "\n").toString(), "192.0.2.11:2377");
        assertEquals("1", r[0], r[2]);
        assertEquals(cannot, r[2].strip());
        r = run(in(TOKEN + "\n"), "-H", sock, "join", "--token", "-", "192.0.2.11:2377");
        assertEquals("1", r[0], r[2]);
        assertEquals(cannot, r[2].strip());

        String help = run(in(""), "join", "--help")[1];
        assertTrue(help.contains("--token-file"), help);
        assertTrue(help.contains("--token -"), help);
        assertEquals("2", run(in(""), "join", "--token", TOKEN, "--token-file", "/x", "h:1")[0], "one or the other");
    }

    @Test
    void readsTheFirstLineAndRefusesEmptyOrMissingInputWithoutEchoingIt() throws Exception {
        StringWriter warnings = new StringWriter();
        PrintWriter warn = new PrintWriter(warnings, true);
        assertEquals(TOKEN, TokenSource.read(null, ownerOnly("  " + TOKEN + "\n\n"), in(""), warn));
        assertEquals(TOKEN, TokenSource.read("-", null, in(TOKEN + "\nrest\n"), warn));
        assertEquals("", warnings.toString(), "the safe forms do not warn");

        var empty = assertThrows(IllegalArgumentException.class, () -> TokenSource.read(null, ownerOnly("\n"), in(""), warn));
        assertTrue(empty.getMessage().startsWith("no join token in token file"), empty.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TokenSource.read("-", null, in(""), warn));
        var missing = assertThrows(IllegalArgumentException.class,
                () -> TokenSource.read(null, dir.resolve("missing"), in(""), warn));
        assertTrue(missing.getMessage().startsWith("cannot read token file"), missing.getMessage());

        Path open = ownerOnly(TOKEN);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(TOKEN, TokenSource.read(null, open, in(""), warn));
        assertTrue(warnings.toString().contains("readable by other users"), warnings.toString());
        assertEquals(TOKEN, TokenSource.read(TOKEN, null, in(""), warn), "a literal still works, as in Docker");
        assertTrue(warnings.toString().contains("visible to every user in ps"), warnings.toString());
        assertFalse(warnings.toString().contains(TOKEN), "warnings never echo the token");
    }
}
