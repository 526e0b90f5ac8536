package io.jswarm.manager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.jswarm.encryption.tls.PeerTrust;
import io.jswarm.manager.tls.Tls;
import io.jswarm.proto.cluster.DispatcherGrpc;
import io.jswarm.proto.cluster.JoinRequest;
import io.jswarm.proto.cluster.ListNodesRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, finding 6, over real sockets on loopback: an outsider (no certificate) holding thousands of idle
 * connections, or sending 4 MB Joins, to the manager API. Outsiders connect from 127.0.0.2, the member from
 * 127.0.0.1, as they would from different hosts.
 */
class ApiPortAbuseTest {
    static final InetAddress OUTSIDER = InetAddress.ofLiteral("127.0.0.2");
    @TempDir
    Path dir;
    ManagerNode m;
    final List<SocketChannel> held = new ArrayList<>();
    final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        ManagerNode.bootstrap(dir, new InitParams("m1", "127.0.0.1", "127.0.0.1:2377", "", 0, List.of(), 24,
                Duration.ofHours(2), "test"), InstantSource.system());
        m = ManagerNode.open(dir, new ManagerConfig(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1:2377",
                Duration.ofMillis(500), Duration.ofSeconds(3), "test"), InstantSource.system());
        m.start();
    }

    @AfterEach
    void close() throws Exception {
        for (SocketChannel s : held) {
            s.close();
        }
        channels.forEach(ManagedChannel::shutdownNow);
        m.close();
    }

    @Test
    void thousandsOfIdleConnectionsAreCutAndTheApiKeepsAnswering() throws Exception {
        int n = 5000; // client and server ends share this JVM's fd limit
        for (int i = 0; i < n; i++) {
            SocketChannel s = SocketChannel.open();
            s.bind(new InetSocketAddress(OUTSIDER, 0));
            s.connect(new InetSocketAddress("127.0.0.1", m.port()));
            s.configureBlocking(false);
            held.add(s);
        }
        long t0 = System.nanoTime();
        assertEquals(1, listNodes(), "a member's node ls during the flood");
        long listMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(listMs < 3000, "node ls took " + listMs + " ms");
        int cap = m.apiPort().limits().caps().maxUnverifiedPerSource();
        int open = waitOpenAtMost(cap, Duration.ofSeconds(3));
        assertTrue(open <= cap, open + " of " + n + " idle outsider connections still held; cap " + cap);
        // The ones admitted never finish a handshake: cut at the handshake timeout.
        open = waitOpenAtMost(0, m.apiPort().limits().handshakeTimeout().plusSeconds(3));
        assertEquals(0, open, "idle connections left after the handshake timeout");
        assertEquals(1, listNodes());
    }

    @Test
    void fortyConcurrentFourMegabyteJoinsAreRefusedBeforeTheyAreRead() throws Exception {
        SslContext tls = Tls.clientTrusting(PeerTrust.pkix(m.identity().root()));
        var pool = Executors.newFixedThreadPool(40);
        try {
            List<Callable<Status>> calls = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                calls.add(() -> joinStatus(tls, "x".repeat(4_000_000)));
            }
            long t0 = System.nanoTime();
            var results = pool.invokeAll(calls, 60, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            for (var r : results) {
                Status s = r.get();
                // Before: each 4 MB message was buffered whole and parsed (then refused for its token).
                assertNotEquals(Joins.INVALID_TOKEN, s.getDescription(), "a 4 MB join was read and parsed: " + s);
                assertNotEquals(Status.Code.OK, s.getCode());
            }
            assertTrue(ms < 20_000, "refusing 40 joins took " + ms + " ms");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, listNodes(), "the API still answers");
    }

    @Test
    void joinAttemptsAreRateLimitedPerSource() throws Exception {
        SslContext tls = Tls.clientTrusting(PeerTrust.pkix(m.identity().root()));
        int burst = m.apiPort().limits().joinBurst();
        ManagedChannel ch = joinChannel(tls); // one connection: attempts faster than the refill
        try {
            for (int i = 0; i < burst; i++) {
                assertEquals(Status.Code.INVALID_ARGUMENT, joinStatus(ch, "h").getCode(), "attempt " + i);
            }
            Status s = joinStatus(ch, "h");
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.toString());
        } finally {
            ch.shutdownNow();
        }
    }

    private ManagedChannel joinChannel(SslContext tls) {
        return NettyChannelBuilder.forAddress("127.0.0.1", m.port()).sslContext(tls)
                .overrideAuthority(Tls.MANAGER_AUTHORITY).build();
    }

    private Status joinStatus(SslContext tls, String hostname) {
        ManagedChannel ch = joinChannel(tls);
        try {
            return joinStatus(ch, hostname);
        } finally {
            ch.shutdownNow();
        }
    }

    private static Status joinStatus(ManagedChannel ch, String hostname) {
        try {
            DispatcherGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS).join(JoinRequest.newBuilder()
                    .setToken("SWMTKN-1-bogus").setCsrDer(ByteString.copyFrom(new byte[300])).setHostname(hostname).build());
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    private int listNodes() throws Exception {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", m.port())
                .sslContext(Tls.client(m.keys(), m.identity().root())).overrideAuthority(Tls.MANAGER_AUTHORITY).build();
        channels.add(ch);
        return DispatcherGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .listNodes(ListNodesRequest.getDefaultInstance()).getNodesCount();
    }

    /** Waits until at most {@code max} held sockets are open (a closed one reads end-of-stream or a reset). */
    private int waitOpenAtMost(int max, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        ByteBuffer buf = ByteBuffer.allocate(64);
        while (true) {
            int open = 0;
            for (SocketChannel s : held) {
                if (!s.isOpen()) {
                    continue;
                }
                try {
                    buf.clear();
                    if (s.read(buf) < 0) {
                        s.close();
                    } else {
                        open++;
                    }
                } catch (IOException reset) {
                    s.close();
                }
            }
            if (open <= max || System.nanoTime() > deadline) {
                return open;
            }
            Thread.sleep(200);
        }
    }
}
