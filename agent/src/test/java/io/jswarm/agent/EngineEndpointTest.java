package io.jswarm.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's Docker Engine API wired to its real ControlService through the in-process channel: an
 * inactive node answers moby's 503, init through the API makes a manager the control socket sees too.
 */
class EngineEndpointTest {
    @TempDir
    Path dir;

    /** One request on a fresh connection ({@code Connection: close}); the raw answer, head and body. */
    private static String exchange(Path socket, String method, String path, String body) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            String req = method + " " + path + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n" + body;
            ch.write(ByteBuffer.wrap(req.getBytes(StandardCharsets.UTF_8)));
            return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void dockerApiReachesTheDaemonsControlService() throws Exception {
        Path api = dir.resolve("run/docker.sock");
        DaemonConfig config = new DaemonConfig(dir.resolve("d.sock"), dir.resolve("d"), "d", Duration.ofMillis(200),
                Duration.ofMillis(800), Duration.ofMillis(300)).withApiSocket(api);
        Daemon d = new Daemon(config);
        try {
            assertTrue(!Files.exists(api));
            d.start();
            String ping = exchange(api, "GET", "/_ping", "");
            assertTrue(ping.startsWith("HTTP/1.1 200 OK") && ping.contains("Swarm: inactive") && ping.endsWith("OK"), ping);
            String noSwarm = exchange(api, "GET", "/v1.47/swarm", "");
            assertTrue(noSwarm.startsWith("HTTP/1.1 503") && noSwarm.contains("Use \\\"docker swarm init\\\""), noSwarm);
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            String init = exchange(api, "POST", "/v1.47/swarm/init", "{\"ListenAddr\":\"127.0.0.1:" + port + "\"}");
            assertTrue(init.startsWith("HTTP/1.1 200"), init);
            String nodeId = ControlService.info(d).getNodeId();
            assertTrue(init.endsWith("\"" + nodeId + "\"\n"), init);
            assertEquals("active", ControlService.info(d).getLocalNodeState());
            String sw = exchange(api, "GET", "/swarm", "");
            assertTrue(sw.startsWith("HTTP/1.1 200") && sw.contains("\"Worker\":\"SWMTKN-1-"), sw.substring(0, 200));
            String nodes = exchange(api, "GET", "/nodes", "");
            assertTrue(nodes.contains("\"ID\":\"" + nodeId + "\"") && nodes.contains("\"Leader\":true"), nodes);
            String bad = exchange(api, "POST", "/swarm/init", "{\"ListenAddr\":");
            assertTrue(bad.startsWith("HTTP/1.1 400"), bad);
        } finally {
            d.close();
        }
        assertTrue(!Files.exists(api), "closed with the daemon");
    }
}
