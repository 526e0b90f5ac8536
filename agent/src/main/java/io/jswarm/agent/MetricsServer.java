package io.jswarm.agent;

import io.jswarm.encryption.ports.ConnectionCaps;
import io.jswarm.encryption.ports.SampledLog;
import io.jswarm.vxlan.HostPort;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --metrics-addr}: Prometheus text format on {@code GET /metrics}. A small HTTP/1.x server of our own,
 * because the JDK's {@code HttpServer} parses each request on its executor with blocking reads and no
 * deadline: one client that sends half a request line held its only thread and every later scrape waited
 * (issue 9). Here every connection gets a virtual thread, a per-read timeout and a whole-request deadline, a
 * bounded request size, and admission by {@link ConnectionCaps} (in total and per source address); one request
 * per connection ({@code Connection: close}), which is what scrapers do.
 */
final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);

    /**
     * @param maxConnections   connections served at once. Default 64.
     * @param maxPerSource     of those, from one source address. Default 8.
     * @param readTimeout      silence allowed between two reads of a request. Default 2 s.
     * @param requestDeadline  the whole request (line and headers) must arrive within this. Default 5 s.
     * @param maxRequestBytes  request line plus headers; more is refused with 431. Default 8 KiB.
     */
    record Limits(int maxConnections, int maxPerSource, Duration readTimeout, Duration requestDeadline,
                  int maxRequestBytes) {
        Limits {
            Objects.requireNonNull(readTimeout, "readTimeout");
            Objects.requireNonNull(requestDeadline, "requestDeadline");
            if (readTimeout.toMillis() < 1 || requestDeadline.compareTo(readTimeout) < 0 || maxRequestBytes < 256) {
                throw new IllegalArgumentException("bad metrics limits: " + this);
            }
        }

        static Limits defaults() {
            return new Limits(64, 8, Duration.ofSeconds(2), Duration.ofSeconds(5), 8 * 1024);
        }
    }

    private final InetSocketAddress addr;
    private final Supplier<String> scrape;
    private final Limits limits;
    private final ConnectionCaps caps;
    private final SampledLog refusals = new SampledLog(LOG::warn, "metrics connection closed", Duration.ofSeconds(10),
            System::nanoTime);
    private volatile ServerSocket server;
    private Thread acceptor;

    MetricsServer(String hostPort, PrometheusMeterRegistry registry) {
        this(socketAddress(hostPort), registry::scrape, Limits.defaults());
    }

    MetricsServer(InetSocketAddress addr, Supplier<String> scrape, Limits limits) {
        this.addr = Objects.requireNonNull(addr, "addr");
        this.scrape = Objects.requireNonNull(scrape, "scrape");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.caps = new ConnectionCaps(new ConnectionCaps.Limits(limits.maxConnections(), limits.maxPerSource(), 1, 1));
    }

    private static InetSocketAddress socketAddress(String hostPort) {
        HostPort hp = HostPort.parse(hostPort, 9323);
        return new InetSocketAddress(hp.host(), hp.port());
    }

    void start() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(addr, 64);
        server = s;
        acceptor = Thread.ofPlatform().name("jswarm-metrics").daemon().start(this::acceptLoop);
        LOG.info("metrics listening addr={}/metrics limits={}", s.getLocalSocketAddress(), limits);
    }

    /** The bound port (tests bind port 0). */
    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        ServerSocket s = server;
        while (!s.isClosed()) {
            Socket c;
            try {
                c = s.accept();
            } catch (IOException e) {
                if (!s.isClosed()) {
                    LOG.warn("metrics accept failed error={}", e.toString());
                }
                continue;
            }
            var admission = caps.admit(c.getInetAddress());
            if (admission.refusal().isPresent()) {
                refusals.record(admission.refusal().get().label(), c.getInetAddress().getHostAddress());
                closeQuietly(c);
                continue;
            }
            ConnectionCaps.Ticket ticket = admission.ticket().get();
            Thread.ofVirtual().name("jswarm-metrics-conn").start(() -> {
                try (ticket; c) {
                    serve(c);
                } catch (IOException e) {
                    LOG.debug("metrics connection ended remote={} cause={}", c.getRemoteSocketAddress(), e.toString());
                }
            });
            refusals.flush();
        }
    }

    private void serve(Socket c) throws IOException {
        String requestLine;
        try {
            requestLine = readRequest(c);
        } catch (SocketTimeoutException e) {
            refusals.record("request-timeout", c.getInetAddress().getHostAddress());
            return;
        }
        OutputStream out = c.getOutputStream();
        if (requestLine == null) {
            refusals.record("request-too-large", c.getInetAddress().getHostAddress());
            respond(out, 431, "Request Header Fields Too Large", "text/plain", new byte[0]);
            return;
        }
        String[] parts = requestLine.split(" ");
        if (parts.length < 2 || !parts[1].equals("/metrics") && !parts[1].startsWith("/metrics?")) {
            respond(out, 404, "Not Found", "text/plain", new byte[0]);
        } else if (!parts[0].equals("GET")) {
            respond(out, 405, "Method Not Allowed", "text/plain", new byte[0]);
        } else {
            respond(out, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", scrape.get().getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The request line once the header block is complete; null if it exceeds the size limit. */
    private String readRequest(Socket c) throws IOException {
        long deadline = System.nanoTime() + limits.requestDeadline().toNanos();
        InputStream in = c.getInputStream();
        byte[] buf = new byte[limits.maxRequestBytes()];
        int len = 0;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new SocketTimeoutException("request deadline");
            }
            c.setSoTimeout((int) Math.min(left, limits.readTimeout().toMillis()));
            if (len == buf.length) {
                return null;
            }
            int n = in.read(buf, len, buf.length - len);
            if (n < 0) {
                throw new IOException("closed before the request was complete");
            }
            int from = Math.max(0, len - 3);
            len += n;
            for (int i = from; i + 3 < len; i++) {
                if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
                    String head = new String(buf, 0, i, StandardCharsets.ISO_8859_1);
                    int eol = head.indexOf("\r\n");
                    return eol < 0 ? head : head.substring(0, eol);
                }
            }
        }
    }

    private static void respond(OutputStream out, int code, String reason, String type, byte[] body) throws IOException {
        String head = "HTTP/1.1 " + code + " " + reason + "\r\nContent-Type: " + type + "\r\nContent-Length: "
                + body.length + "\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    private static void closeQuietly(Socket c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        ServerSocket s = server;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        if (acceptor != null) {
            try {
                acceptor.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        refusals.flush();
    }
}
