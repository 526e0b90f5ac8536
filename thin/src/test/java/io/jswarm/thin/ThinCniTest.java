package io.jswarm.thin;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The thin jswarm-cni's side of the wire, against canned daemons (CliEndpointTest runs it against a real one). */
class ThinCniTest {
    @TempDir
    Path dir;

    @Test
    void sendsOnlyCniVariablesAndPrintsTheAnswerWithItsExitCode() throws Exception {
        String[] r = against("HTTP/1.1 200 OK\r\nX-Jswarm-Exit: 7\r\nContent-Length: 9\r\n\r\n{\"a\":1}\n\n",
                Map.of("CNI_COMMAND", "ADD", "HOME", "/root", "CNI_NETNS", "/run/netns/x"));
        assertEquals(List.of("7", "{\"a\":1}\n\n"), List.of(r[0], r[1]));
        assertEquals(List.of("CNI_COMMAND=ADD", "CNI_NETNS=/run/netns/x", config()), List.of(r[2].split("\0")));
    }

    @Test
    void notServedFallsBackAndACutAnswerIsTheSpecsTryAgainNeverAFallback() throws Exception {
        assertEquals(String.valueOf(FastPath.FALLBACK),
                against("HTTP/1.1 501 Not Implemented\r\nContent-Length: 2\r\n\r\nno", Map.of("CNI_COMMAND", "ADD"))[0]);
        // sent: an ADD run again by the full plugin could attach twice
        for (String cut : List.of("HTTP/1.1 200 OK\r\nX-Jswarm-Exit: 0\r\nContent-Length: 100\r\n\r\nshort",
                "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad", "")) {
            String[] r = against(cut, Map.of("CNI_COMMAND", "ADD"));
            assertEquals("1", r[0], cut);
            assertTrue(r[1].startsWith("{\"cniVersion\":\"1.1.0\",\"code\":11,\"msg\":\"jswarm-cni: no answer from the jswarm daemon"), r[1]);
        }
    }

    @Test
    void noDaemonAtTheConfigurationsSocketFallsBack() {
        byte[] conf = config().getBytes(StandardCharsets.UTF_8);
        assertEquals(FastPath.FALLBACK, ThinCni.run(Map.of("CNI_COMMAND", "ADD"), conf, sink(), sink()));
        assertEquals(FastPath.FALLBACK, ThinCni.run(Map.of("CNI_COMMAND", "ADD"), new byte[(1 << 20) + 1], sink(), sink()));
    }

    private String config() {
        return "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"socket\":\"" + dir.resolve("d.sock") + "\"}";
    }

    /** Runs the plugin against a daemon that reads one request and answers {@code response}; [rc, stdout, request]. */
    private String[] against(String response, Map<String, String> env) throws Exception {
        Path socket = FastPath.cliSocket(dir.resolve("d.sock"));
        Files.deleteIfExists(socket);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            CompletableFuture<String> got = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel c = server.accept()) {
                    InputStream in = Channels.newInputStream(c);
                    StringBuilder head = new StringBuilder();
                    while (!head.toString().endsWith("\r\n\r\n")) {
                        head.append((char) in.read());
                    }
                    assertTrue(head.toString().startsWith("POST " + FastPath.CNI_PATH + " HTTP/1.1\r\n"), head.toString());
                    int length = Integer.parseInt(head.toString().replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
                    String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                    Channels.newOutputStream(c).write(response.getBytes(StandardCharsets.UTF_8));
                    return body;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int rc = ThinCni.run(env, config().getBytes(StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8), sink());
            return new String[] {String.valueOf(rc), out.toString(StandardCharsets.UTF_8), got.get()};
        }
    }

    private static PrintStream sink() {
        return new PrintStream(java.io.OutputStream.nullOutputStream());
    }
}
