package io.jswarm.cli.cluster;

import io.grpc.Channel;
import io.jswarm.cli.Main;
import io.jswarm.engine.HttpRequest;
import io.jswarm.engine.HttpResponse;
import io.jswarm.engine.UnixHttpServer;
import io.jswarm.thin.FastPath;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The daemon's side of the fast CLI (issue 13): on {@link FastPath#cliSocket} beside the control socket, runs the
 * command lines the thin client sends ({@link FastPath#eligible} only; anything else is answered
 * {@link FastPath#NOT_SERVED} and the thin client falls back to the full one) through the same picocli commands
 * as the full client, calling the daemon on its in-process channel, and answers with what they printed and their
 * exit code. It also runs the thin {@code jswarm-cni}'s calls ({@link FastPath#CNI_PATH}, {@code cni.CniService}).
 * The socket is owner-only like the control socket: it gives exactly the control socket's power. The
 * constructor starts nothing.
 */
final class CliEndpoint implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CliEndpoint.class);
    /** Command lines the daemon runs at once (each holds its output until it ends). */
    static final int MAX_RUNNING = 4;
    private final java.util.concurrent.Semaphore running = new java.util.concurrent.Semaphore(MAX_RUNNING);
    private final UnixHttpServer http;
    private final Channel control;
    private final Path controlSocket;

    CliEndpoint(Path controlSocket, Channel control) {
        this.control = control;
        this.controlSocket = controlSocket;
        this.http = new UnixHttpServer(FastPath.cliSocket(controlSocket), this::handle, Map.of(), "jswarm cli");
    }

    void start() throws IOException {
        try {
            http.start();
        } catch (IOException e) {
            throw new IOException("cannot serve the CLI socket " + http.socket() + ": " + e.getMessage(), e);
        }
    }

    HttpResponse handle(HttpRequest request) {
        boolean cni = request.path().equals(FastPath.CNI_PATH);
        if (!request.path().equals(FastPath.PATH) && !cni) {
            return HttpResponse.text(404, "no route " + request.path() + " (the thin client posts to " + FastPath.PATH
                    + ", jswarm-cni to " + FastPath.CNI_PATH + ")");
        }
        if (!request.method().equals("POST")) {
            return HttpResponse.text(405, request.path() + " takes POST, not " + request.method());
        }
        List<String> args;
        try {
            args = FastPath.decode(request.body());
        } catch (IllegalArgumentException e) {
            return HttpResponse.text(400, e.getMessage());
        }
        if (cni) {
            return cni(args);
        }
        if (!FastPath.eligible(args)) {
            return HttpResponse.text(FastPath.NOT_SERVED, "the daemon does not run this command line; the full client does");
        }
        // A command's whole output is held until it ends, in the daemon's small heap: a few at once; the next is
        // answered NOT_SERVED (nothing ran) and the thin client falls back to the full client.
        if (!running.tryAcquire()) {
            return HttpResponse.text(FastPath.NOT_SERVED, "the daemon runs " + MAX_RUNNING + " command lines at once");
        }
        try {
            long t = System.nanoTime();
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            int rc;
            try (PrintWriter o = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8));
                 PrintWriter e = new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8))) {
                rc = Main.run(host -> new DaemonClient(host, control), o, e, args.toArray(String[]::new));
            }
            // The command's words only: arguments may be names an operator would not want in the journal.
            LOG.info("cli command served command=\"{}\" exit={} ms={}", FastPath.words(args), rc, (System.nanoTime() - t) / 1_000_000);
            int stdout = out.size();
            err.writeTo(out);
            return new HttpResponse(200, Map.of("Content-Type", "application/octet-stream", FastPath.EXIT_HEADER,
                    Integer.toString(rc), FastPath.STDOUT_HEADER, Integer.toString(stdout)), out.toByteArray());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        } finally {
            running.release();
        }
    }

    /** A jswarm-cni call ({@code io.jswarm.thin.ThinCni}): the plugin's answer as the body, its exit code in a header. */
    private HttpResponse cni(List<String> request) {
        if (!running.tryAcquire()) {
            return HttpResponse.text(FastPath.NOT_SERVED, "the daemon runs " + MAX_RUNNING + " calls at once");
        }
        try {
            long t = System.nanoTime();
            io.jswarm.cli.cni.CniService.Answer a;
            try {
                a = io.jswarm.cli.cni.CniService.run(request, controlSocket, control);
            } catch (IllegalArgumentException e) {
                return HttpResponse.text(400, e.getMessage());
            }
            // the command only: container ids and namespace paths are the runtime's business
            String command = request.stream().filter(v -> v.startsWith("CNI_COMMAND=")).findFirst().orElse("CNI_COMMAND=").substring(12);
            LOG.info("cni call served command=\"{}\" exit={} ms={}", command, a.exit(), (System.nanoTime() - t) / 1_000_000);
            byte[] body = (a.stdout().isEmpty() ? "" : a.stdout() + "\n").getBytes(StandardCharsets.UTF_8); // as CniMain prints it
            return new HttpResponse(200, Map.of("Content-Type", "application/json", FastPath.EXIT_HEADER, Integer.toString(a.exit())), body);
        } finally {
            running.release();
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
