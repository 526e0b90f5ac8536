package io.jswarm.thin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The thin client's decisions and its side of the wire, against canned daemons on a temporary socket. */
class ThinClientTest {
    @TempDir
    Path dir;

    @Test
    void eligibleLinesAreTheDaemonsCallsOnly() {
        for (String line : List.of("network ls", "-H unix:///x network ls", "--host=unix:///x node ls", "-Hunix:///x info",
                "network inspect web", "network ls -H unix:///x", "network prune -f", "node rm --force n1",
                "init --advertise-addr 192.0.2.1", "leave --force", "join-token -q worker", "network attach web --name a")) {
            assertTrue(FastPath.eligible(List.of(line.split(" "))), line);
        }
        for (String line : List.of("daemon", "demo", "join --token - m:2377", "network prune", "network ls --help",
                "--version", "-h", "help network", "network", "node", "network frobnicate", "-x network ls", "-H",
                "network --weird ls", "version", "network inspect @/etc/shadow", "network rm @names")) {
            assertFalse(FastPath.eligible(line.isEmpty() ? List.of() : List.of(line.split(" "))), line);
        }
        assertFalse(FastPath.eligible(List.of()));
    }

    @Test
    void hostIsFoundAnywhereInEveryForm() {
        assertEquals("unix:///a", FastPath.host(List.of("-H", "unix:///a", "network", "ls")).orElseThrow());
        assertEquals("unix:///b", FastPath.host(List.of("network", "ls", "--host=unix:///b")).orElseThrow());
        assertEquals("unix:///c", FastPath.host(List.of("-Hunix:///c", "info")).orElseThrow());
        assertEquals("unix:///d", FastPath.host(List.of("-H=unix:///d", "info")).orElseThrow());
        assertTrue(FastPath.host(List.of("network", "ls")).isEmpty());
        assertEquals(Path.of("/run/jswarm/jswarm.sock.http"), FastPath.cliSocket(Path.of("/run/jswarm/jswarm.sock")));
    }

    @Test
    void argumentsRoundTripAndABadBodyIsRefused() {
        List<String> args = List.of("network", "create", "", "naïve name", "--label", "a=b c");
        assertEquals(args, FastPath.decode(FastPath.encode(args)));
        assertThrows(IllegalArgumentException.class, () -> FastPath.decode("ls".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> FastPath.encode(List.of("a\0b")));
    }

    @Test
    void printsTheDaemonsOutputAndExitsWithItsCode() throws Exception {
        String[] r = against("HTTP/1.1 200 OK\r\nX-Jswarm-Exit: 3\r\nX-Jswarm-Stdout-Length: 6\r\nContent-Length: 11\r\n"
                + "Connection: close\r\n\r\nhello\noops\n", "network", "ls");
        assertEquals(List.of("3", "hello\n", "oops\n"), List.of(r));
    }

    @Test
    void notServedFallsBackAndOtherStatusesAreErrors() throws Exception {
        assertEquals(String.valueOf(FastPath.FALLBACK),
                against("HTTP/1.1 501 Not Implemented\r\nContent-Length: 2\r\n\r\nno", "network", "ls")[0]);
        String[] r = against("HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad", "network", "ls");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("refused the command line (400): bad"), r[2]);
    }

    @Test
    void anAnswerCutShortIsAnErrorNotAFallback() throws Exception {
        // the line was sent: running it again through the full client could create twice
        String[] r = against("HTTP/1.1 200 OK\r\nX-Jswarm-Exit: 0\r\nContent-Length: 100\r\n\r\nshort", "network", "create", "x");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("no answer from the jswarm daemon"), r[2]);
    }

    @Test
    void noSocketOrNobodyListeningFallsBack() throws Exception {
        assertEquals(FastPath.FALLBACK, ThinClient.run(List.of("network", "ls"), "unix://" + dir.resolve("none.sock"),
                sink(), sink()));
        Path stale = FastPath.cliSocket(dir.resolve("stale.sock"));
        try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(stale));
        } // closed: the file stays, nobody listens (a killed daemon's leftover)
        assertEquals(FastPath.FALLBACK, ThinClient.run(List.of("network", "ls"), "unix://" + dir.resolve("stale.sock"),
                sink(), sink()));
        assertEquals(FastPath.FALLBACK, ThinClient.run(List.of("network", "ls"), "tcp://192.0.2.1:2375", sink(), sink()));
    }

    @Test
    void theTrainingRunGoesThroughTheWholePath() throws Exception {
        assertEquals(0, ThinClient.train());
    }

    /** Runs the client against a daemon that reads one request and answers {@code response}. */
    private String[] against(String response, String... args) throws Exception {
        Path control = dir.resolve("d.sock");
        java.nio.file.Files.deleteIfExists(FastPath.cliSocket(control)); // an earlier call's
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(FastPath.cliSocket(control)));
            CompletableFuture<List<String>> got = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel c = server.accept()) {
                    InputStream in = Channels.newInputStream(c);
                    String head = readHead(in);
                    int length = Integer.parseInt(head.replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
                    List<String> line = FastPath.decode(in.readNBytes(length));
                    Channels.newOutputStream(c).write(response.getBytes(StandardCharsets.UTF_8));
                    return line;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rc = ThinClient.run(List.of(args), "unix://" + control, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(List.of(args), got.get(), "the daemon got the line as typed");
            return new String[] {String.valueOf(rc), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("eof in head");
            }
            sb.append((char) b);
        }
        return sb.toString();
    }

    private static PrintStream sink() {
        return new PrintStream(java.io.OutputStream.nullOutputStream());
    }
}
