package io.jswarm.thin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.util.Locale;
import java.util.Map;

/**
 * The fast {@code jswarm} client (issue 13): sends an {@link FastPath#eligible} command line to the local
 * daemon's CLI socket and prints what the daemon's CLI printed, with its exit code. Everything else, and a
 * daemon it cannot connect to, exits {@link FastPath#FALLBACK} before anything was sent, and the launcher
 * runs the full client (which also gives the usual "Cannot connect" message). java.base only and a handful
 * of classes: with its AOT cache the JVM starts and answers in tens of milliseconds, where the full client
 * loads picocli, gRPC and Netty for about a second.
 */
public final class ThinClient {
    /** The launcher's default socket, as the full client's {@code DaemonHost.DEFAULT}. */
    public static final String DEFAULT_HOST = "unix:///run/jswarm/jswarm.sock";
    /** A CLI answer is a table or a JSON document; anything larger is not one (and is not read into memory). */
    private static final int MAX_ANSWER = 64 << 20;

    private ThinClient() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 1 && args[0].equals("--aot-train")) {
            System.exit(train());
        }
        System.exit(run(List.of(args), System.getenv("JSWARM_HOST"), System.out, System.err));
    }

    /** Runs one command line; returns the exit code ({@link FastPath#FALLBACK}: run the full client). */
    public static int run(List<String> args, String envHost, PrintStream out, PrintStream err) {
        if (!FastPath.eligible(args)) {
            return FastPath.FALLBACK;
        }
        String host = FastPath.host(args).orElse(envHost != null && !envHost.isBlank() ? envHost : DEFAULT_HOST);
        if (!host.startsWith("unix:///") && !host.startsWith("/")) {
            return FastPath.FALLBACK; // the full client says why it is not a host
        }
        Path socket = FastPath.cliSocket(Path.of(host.startsWith("/") ? host : host.substring("unix://".length())));
        if (!Files.exists(socket)) {
            return FastPath.FALLBACK; // no daemon, or one without the CLI socket
        }
        SocketChannel ch = connect(socket);
        if (ch == null) {
            return FastPath.FALLBACK;
        }
        try (ch) {
            post(ch, FastPath.PATH, FastPath.encode(args));
            return answer(Channels.newInputStream(ch), out, err);
        } catch (IOException | IllegalArgumentException e) {
            // Sent, or maybe sent: never run it a second time through the full client.
            err.println("jswarm: error: no answer from the jswarm daemon at " + socket + ": " + e.getMessage());
            return 1;
        }
    }

    /** A connection to the daemon's CLI socket; null when nobody accepts it (a stopped daemon's leftover file). */
    static SocketChannel connect(Path socket) {
        try {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                return ch;
            } catch (IOException e) {
                ch.close();
                return null;
            }
        } catch (IOException e) {
            return null;
        }
    }

    /** One request on {@code ch}: POST {@code path} with {@code body}, the connection closed after the answer. */
    static void post(SocketChannel ch, String path, byte[] body) throws IOException {
        OutputStream os = Channels.newOutputStream(ch);
        os.write(("POST " + path + " HTTP/1.1\r\nHost: jswarm\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        os.write(body);
        os.flush();
    }

    /** An HTTP/1.1 answer read whole: its status, headers (names in lower case) and body. */
    record Answer(int status, Map<String, String> headers, byte[] body) {
        /** A header's value, or {@code dflt}. */
        String header(String name, String dflt) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), dflt);
        }
    }

    /** Reads one answer of at most {@code max} bytes (the head beyond it) up to its Content-Length, else the end. */
    static Answer read(InputStream in, int max) throws IOException {
        byte[] all = in.readNBytes(max + 64 * 1024);
        int headEnd = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        if (headEnd < 0) {
            throw new IOException("the answer has no complete HTTP head");
        }
        String[] lines = new String(all, 0, headEnd, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP answer: " + lines[0]);
        }
        Map<String, String> headers = new java.util.HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            if (c > 0) {
                headers.put(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim());
            }
        }
        int bodyStart = headEnd + 4;
        int length = Integer.parseInt(headers.getOrDefault("content-length", String.valueOf(all.length - bodyStart)));
        if (bodyStart + length > all.length) {
            throw new IOException("the answer ended after " + (all.length - bodyStart) + " of " + length + " bytes");
        }
        return new Answer(Integer.parseInt(status[1]), headers, java.util.Arrays.copyOfRange(all, bodyStart, bodyStart + length));
    }

    private static int answer(InputStream in, PrintStream out, PrintStream err) throws IOException {
        Answer a = read(in, MAX_ANSWER);
        if (a.status() == FastPath.NOT_SERVED) {
            return FastPath.FALLBACK; // the daemon runs this line no more (an older or newer client): nothing ran
        }
        if (a.status() != 200) {
            err.println("jswarm: error: the daemon refused the command line (" + a.status() + "): "
                    + new String(a.body(), StandardCharsets.UTF_8).strip());
            return 1;
        }
        int stdout = Integer.parseInt(a.header(FastPath.STDOUT_HEADER, "0"));
        if (stdout < 0 || stdout > a.body().length) {
            throw new IOException("bad " + FastPath.STDOUT_HEADER + ": " + stdout);
        }
        out.write(a.body(), 0, stdout);
        out.flush();
        err.write(a.body(), stdout, a.body().length - stdout);
        err.flush();
        return Integer.parseInt(a.header(FastPath.EXIT_HEADER, "1"));
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * The AOT cache's training run (the launcher and the package make the cache with it): the whole client path
     * against a canned daemon on a temporary socket, so every class a real command loads is in the cache.
     */
    static int train() throws IOException {
        Path dir = Files.createTempDirectory("jswarm-thin-train");
        Path control = dir.resolve("jswarm.sock");
        Path socket = FastPath.cliSocket(control);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread daemon = Thread.ofPlatform().start(() -> {
                try (SocketChannel c = server.accept()) {
                    InputStream in = Channels.newInputStream(c);
                    ByteArrayOutputStream head = new ByteArrayOutputStream();
                    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                        head.write(in.read());
                    }
                    // the whole body too: closing with unread bytes would reset the client's read (ECONNRESET)
                    String h = head.toString(StandardCharsets.ISO_8859_1);
                    in.readNBytes(Integer.parseInt(h.replaceAll("(?s).*Content-Length: (\\d+).*", "$1")));
                    byte[] answer = "NETWORK ID   NAME\nerror\n".getBytes(StandardCharsets.UTF_8);
                    Channels.newOutputStream(c).write(("HTTP/1.1 200 OK\r\n" + FastPath.EXIT_HEADER + ": 0\r\n"
                            + FastPath.STDOUT_HEADER + ": 18\r\nContent-Length: " + answer.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    Channels.newOutputStream(c).write(answer);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
            int rc = run(List.of("-H", "unix://" + control, "network", "ls"), null, sink, sink);
            daemon.join();
            return rc;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }
}
