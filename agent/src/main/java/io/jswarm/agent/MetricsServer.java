package io.jswarm.agent;

import com.sun.net.httpserver.HttpServer;
import io.jswarm.vxlan.HostPort;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --metrics-addr}: Prometheus text format on {@code GET /metrics}, from the JDK's HTTP server (one
 * thread: scrapes are rare and small; no extra web stack in the daemon).
 */
final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    private final InetSocketAddress addr;
    private final PrometheusMeterRegistry registry;
    private HttpServer server;

    MetricsServer(String hostPort, PrometheusMeterRegistry registry) {
        HostPort hp = HostPort.parse(hostPort, 9323);
        this.addr = new InetSocketAddress(hp.host(), hp.port());
        this.registry = registry;
    }

    void start() throws IOException {
        server = HttpServer.create(addr, 16);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("jswarm-metrics").daemon().unstarted(r)));
        server.createContext("/metrics", ex -> {
            try (ex) {
                if (!"GET".equals(ex.getRequestMethod())) {
                    ex.sendResponseHeaders(405, -1);
                    return;
                }
                byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
        LOG.info("metrics listening addr={}/metrics", addr);
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }
    }
}
