package io.jswarm.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP server over a real Unix socket: framing, limits, keep-alive, the socket file. */
class UnixHttpServerTest {
    @TempDir
    Path dir;
    private UnixHttpServer server;
    private final AtomicInteger handled = new AtomicInteger();

    /** Echoes method, path, query and body. */
    private final Handler echo = r -> {
        handled.incrementAndGet();
        return HttpResponse.json(200, Map.of("method", r.method(), "path", r.path(), "query", r.query().toString(),
                "body", r.bodyText()));
    };

    private Path start(HttpCodec.Limits limits) throws IOException {
        Path socket = dir.resolve("run/engine/docker.sock");
        server = new UnixHttpServer(socket, echo, Map.of("Api-Version", "1.47"), limits);
        assertFalse(Files.exists(socket), "the constructor starts nothing");
        server.start();
        return socket;
    }

    private Path start() throws IOException {
        return start(HttpCodec.Limits.DEFAULT);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void socketIsOwnerOnlyInAnOwnerOnlyDirectoryAndRemovedOnClose() throws Exception {
        Path socket = start();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
        server.close();
        assertFalse(Files.exists(socket));
    }

    @Test
    void staleSocketIsReplacedAndALiveOneRefused() throws Exception {
        Path socket = dir.resolve("docker.sock");
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(socket));
            try (UnixHttpServer second = new UnixHttpServer(socket, echo, Map.of())) {
                IOException e = assertThrows(IOException.class, second::start);
                assertTrue(e.getMessage().contains("another server is listening"), e.getMessage());
            }
        } // closed: the file stays behind, as after a crash
        assertTrue(Files.exists(socket));
        server = new UnixHttpServer(socket, echo, Map.of());
        server.start();
        try (RawClient c = new RawClient(socket)) {
            assertEquals(200, c.send(RawClient.get("/x")).read().status());
        }
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnectionWithCommonHeaders() throws Exception {
        Path socket = start();
        try (RawClient c = new RawClient(socket)) {
            RawClient.Reply a = c.send(RawClient.get("/v1.47/networks?filters=%7B%22name%22%3A%7B%22a%20b%22%3Atrue%7D%7D")).read();
            assertEquals(200, a.status());
            assertEquals("1.47", a.headers().get("api-version"));
            assertTrue(a.body().contains("\"path\":\"/v1.47/networks\""), a.body());
            assertTrue(a.body().contains("{\\\"name\\\":{\\\"a b\\\":true}}"), a.body());
            RawClient.Reply b = c.send(RawClient.post("/networks/create", "{\"Name\":\"n\"}")).read();
            assertTrue(b.body().contains("\"body\":\"{\\\"Name\\\":\\\"n\\\"}\""), b.body());
            RawClient.Reply h = c.send("HEAD /_ping HTTP/1.1\r\nHost: d\r\n\r\n").readHead();
            assertEquals(200, h.status());
            // HEAD: Content-Length of the GET body, no body; the next response must still parse.
            assertTrue(Integer.parseInt(h.headers().get("content-length")) > 0);
            RawClient.Reply last = c.send("GET /last HTTP/1.1\r\nConnection: close\r\n\r\n").read();
            assertEquals("close", last.headers().get("connection"));
            assertTrue(c.closedByServer());
        }
        assertEquals(4, handled.get());
    }

    @Test
    void chunkedBodiesAreAccepted() throws Exception {
        Path socket = start();
        try (RawClient c = new RawClient(socket)) {
            RawClient.Reply r = c.send("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "4\r\n{\"a\"\r\n6;ext=1\r\n:true}\r\n0\r\nX-Trailer: y\r\n\r\n").read();
            assertEquals(200, r.status());
            assertTrue(r.body().contains("\"body\":\"{\\\"a\\\":true}\""), r.body());
            assertEquals(200, c.send(RawClient.get("/after")).read().status(), "the connection stays usable");
        }
    }

    @Test
    void oversizeBodiesAreRefusedWith413BeforeTheHandler() throws Exception {
        Path socket = start();
        try (RawClient c = new RawClient(socket)) {
            RawClient.Reply r = c.send("POST /networks/create HTTP/1.1\r\nContent-Length: " + ((1 << 20) + 1)
                    + "\r\n\r\n").read();
            assertEquals(413, r.status());
            assertTrue(r.body().contains("\"message\":\"request body larger than 1048576 bytes\""), r.body());
            assertTrue(c.closedByServer());
        }
        try (RawClient c = new RawClient(socket)) {
            String chunk = Integer.toHexString(600 * 1024);
            String data = "x".repeat(600 * 1024);
            RawClient.Reply r = c.sendUntilClosed("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + "\r\n" + data
                    + "\r\n" + chunk + "\r\n" + data + "\r\n0\r\n\r\n").read();
            assertEquals(413, r.status());
        }
        assertEquals(0, handled.get());
        try (RawClient c = new RawClient(socket)) {
            assertEquals(200, c.send(RawClient.get("/still")).read().status(), "the server keeps serving");
        }
    }

    @Test
    void malformedRequestsAreRefusedAndTheServerKeepsServing() throws Exception {
        Path socket = start();
        for (String bad : List.of("GARBAGE\r\n\r\n", "GET nopath HTTP/1.1\r\n\r\n", "GET / HTTP/2.0\r\n\r\n",
                "GET / HTTP/1.1\r\nno colon here\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
                "POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
                "POST / HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                "GET /%zz HTTP/1.1\r\n\r\n")) {
            try (RawClient c = new RawClient(socket)) {
                RawClient.Reply r = c.send(bad).read();
                assertEquals(400, r.status(), bad);
                assertTrue(r.body().startsWith("{\"message\":"), r.body());
                assertTrue(c.closedByServer(), bad);
            }
        }
        try (RawClient c = new RawClient(socket)) {
            RawClient.Reply r = c.sendUntilClosed("GET / HTTP/1.1\r\nX-Big: " + "a".repeat(17 * 1024) + "\r\n\r\n").read();
            assertEquals(431, r.status());
        }
        assertEquals(0, handled.get(), "no malformed request reached the handler");
        try (RawClient c = new RawClient(socket)) {
            assertEquals(200, c.send(RawClient.get("/ok")).read().status());
        }
    }

    @Test
    void connectionsBeyondTheLimitAreRefusedAndSlotsComeBack() throws Exception {
        Path socket = start(new HttpCodec.Limits(3, 16 * 1024, 1 << 20, Duration.ofSeconds(30)));
        List<RawClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RawClient c = new RawClient(socket);
                assertEquals(200, c.send(RawClient.get("/hold")).read().status()); // accepted and served: a slot
                held.add(c);
            }
            try (RawClient over = new RawClient(socket)) {
                RawClient.Reply r = over.read();
                assertEquals(503, r.status());
                assertTrue(r.body().contains("too many connections"), r.body());
                assertTrue(over.closedByServer());
            }
            held.removeFirst().close();
            RawClient.Reply r = null;
            for (int attempt = 0; attempt < 200 && (r == null || r.status() != 200); attempt++) {
                try (RawClient again = new RawClient(socket)) { // the freed slot returns when its thread ends
                    r = again.send(RawClient.get("/again")).read();
                }
                if (r.status() != 200) {
                    Thread.sleep(10);
                }
            }
            assertEquals(200, r.status());
        } finally {
            for (RawClient c : held) {
                c.close();
            }
        }
    }

    @Test
    void aRequestThatNeverCompletesIsClosedAtTheReadDeadline() throws Exception {
        Path socket = start(new HttpCodec.Limits(64, 16 * 1024, 1 << 20, Duration.ofMillis(300)));
        try (RawClient c = new RawClient(socket)) {
            c.send("POST /slow HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"); // 7 bytes never come
            assertNull(c.read(), "closed without an answer"); // blocks until the server's deadline closes it
        }
        assertEquals(0, handled.get());
        try (RawClient c = new RawClient(socket)) {
            assertEquals(200, c.send(RawClient.get("/fine")).read().status());
        }
    }
}
