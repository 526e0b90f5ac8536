package io.jswarm.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, finding 11 (metrics): one client holding a partial request, and many idle connections, must not
 * keep a scrape from being answered. Before, the JDK server's one thread sat in the partial request's blocking
 * read and every scrape behind it waited.
 */
class MetricsServerAbuseTest {
    final List<Socket> held = new ArrayList<>();
    MetricsServer server;
    int port;

    @AfterEach
    void close() throws IOException {
        for (Socket s : held) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aHeldPartialRequestAndIdleConnectionsDoNotBlockAScrape() throws Exception {
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.counter("jswarm.test.scrapes").increment();
        port = freePort(); // the --metrics-addr form: a fixed port
        server = new MetricsServer("127.0.0.1:" + port, registry);
        server.start();
        Socket partial = connect("127.0.0.2");
        partial.getOutputStream().write("GET /metr".getBytes(StandardCharsets.US_ASCII));
        partial.getOutputStream().flush();
        for (int i = 0; i < 40; i++) {
            connect("127.0.0.3"); // idle: not a byte
        }
        for (int round = 0; round < 3; round++) {
            long t0 = System.nanoTime();
            String answer = scrape("127.0.0.4");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.contains("jswarm_test_scrapes_total 1.0"), answer);
            assertTrue(ms < 1500, "scrape " + round + " took " + ms + " ms");
        }
        // The held request is cut by the request deadline; the idle ones beyond the per-source cap at once.
        partial.setSoTimeout(8000);
        assertTrue(partial.getInputStream().read() < 0, "the partial request was closed by the server");
    }

    private Socket connect(String from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.ofLiteral(from), 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        held.add(s);
        return s;
    }

    private String scrape(String from) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.ofLiteral(from), 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static int freePort() throws IOException {
        try (var s = new java.net.ServerSocket(0, 1, InetAddress.ofLiteral("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
