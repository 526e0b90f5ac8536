package io.jswarm.dns;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Docker parity on the wire: TC over UDP beyond 512 bytes, the full answer over TCP, TCP framing and limits. */
class TruncationAndTcpTest {

    private static final InetSocketAddress LOOPBACK_ANY = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    /** 40 A records of "many" take 40 × 20 bytes: far over 512 without name compression. */
    private static final List<String> MANY = IntStream.rangeClosed(1, 40).mapToObj(i -> "10.0.1." + i).toList();

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final DnsLoop loop = new DnsLoop();

    @AfterEach
    void closeAll() throws Exception {
        try {
            for (AutoCloseable c : closeables.reversed()) {
                c.close();
            }
        } finally {
            loop.close();
        }
    }

    private EmbeddedDnsServer server(DnsConfig config) throws Exception {
        var s = new EmbeddedDnsServer(EmbeddedDnsServerTest.sandbox(Map.of("many", MANY, "web", List.of("10.0.2.5"))),
                config, loop.loop());
        closeables.add(s);
        s.start(LOOPBACK_ANY);
        return s;
    }

    private EmbeddedDnsServer server() throws Exception {
        return server(DnsConfig.withUpstreams(List.of()));
    }

    private DnsTestClient client(EmbeddedDnsServer s) throws Exception {
        var c = new DnsTestClient(s.localAddress());
        closeables.add(c);
        return c;
    }

    @Test
    void aUdpAnswerOver512BytesIsCutAndFlaggedAndTcpCarriesAllOfIt() throws Exception {
        var s = server();
        var udp = client(s).query("many", DnsRecordType.A);
        assertTrue(udp.truncated(), "TC set");
        assertTrue(udp.size() <= 512, "cut to 512 bytes, was " + udp.size());
        assertEquals(DnsResponseCode.NOERROR, udp.code());
        assertTrue(!udp.values().isEmpty() && udp.values().size() < MANY.size(), "whole records only: " + udp.values());
        assertEquals(MANY.subList(0, udp.values().size()), udp.values());

        var tcp = DnsTestClient.queryTcp(s.tcpAddress(), "many", DnsRecordType.A);
        assertFalse(tcp.truncated());
        assertEquals(MANY, tcp.values());

        var small = client(s).query("web", DnsRecordType.A);
        assertFalse(small.truncated(), "a small answer is not flagged");
        assertEquals(List.of("10.0.2.5"), small.values());
    }

    @Test
    void anEdnsClientGetsUpToItsSizeAndAnOptRecordBack() throws Exception {
        var c = client(server());
        c.send(9, "many", DnsRecordType.A, 4096);
        var a = c.receive();
        assertFalse(a.truncated());
        assertEquals(MANY, a.values());
        assertEquals(4096, a.ednsSize(), "OPT echoed");
        c.send(10, "many", DnsRecordType.A, 100); // below 512: 512 still applies
        var b = c.receive();
        assertTrue(b.truncated());
        assertTrue(b.size() <= 512);
    }

    @Test
    void tcpTakesSeveralQueriesPerConnectionAndMessagesSplitAcrossWrites() throws Exception {
        var s = server();
        try (var socket = new Socket()) {
            socket.connect(s.tcpAddress(), 15_000);
            socket.setSoTimeout(15_000);
            var out = new DataOutputStream(socket.getOutputStream());
            var in = new DataInputStream(socket.getInputStream());
            byte[] q1 = DnsTestClient.encode(1, "web", DnsRecordType.A, 0);
            byte[] q2 = DnsTestClient.encode(2, "many", DnsRecordType.A, 0);
            // Two messages in one write, as glibc sends its A and AAAA queries.
            var both = new java.io.ByteArrayOutputStream();
            var d = new DataOutputStream(both);
            d.writeShort(q1.length);
            d.write(q1);
            d.writeShort(q2.length);
            d.write(q2);
            out.write(both.toByteArray());
            out.flush();
            var a1 = DnsTestClient.readTcp(in);
            var a2 = DnsTestClient.readTcp(in);
            assertEquals(List.of(1, 2), List.of(a1.id(), a2.id()));
            assertEquals(List.of("10.0.2.5"), a1.values());
            assertEquals(MANY, a2.values());
            // One message in three writes: the length's first byte, its second, then the body.
            byte[] q3 = DnsTestClient.encode(3, "web", DnsRecordType.A, 0);
            out.write(q3.length >> 8);
            out.flush();
            out.write(q3.length & 0xff);
            out.flush();
            out.write(q3);
            out.flush();
            assertEquals(3, DnsTestClient.readTcp(in).id());
        }
    }

    @Test
    void anIdleTcpClientIsCutOff() throws Exception {
        var s = server(new DnsConfig(List.of(), Duration.ofSeconds(2), 600, 16,
                new DnsConfig.TcpLimits(Duration.ofMillis(200), 4)));
        try (var socket = new Socket()) {
            socket.connect(s.tcpAddress(), 15_000);
            socket.setSoTimeout(15_000); // generous: the server must close long before
            assertEquals(-1, socket.getInputStream().read(), "closed by the server, not by our timeout");
        }
    }

    @Test
    void connectionsBeyondTheLimitAreClosedWhileTheFirstAreServed() throws Exception {
        var s = server(new DnsConfig(List.of(), Duration.ofSeconds(2), 600, 16,
                new DnsConfig.TcpLimits(Duration.ofSeconds(30), 1)));
        try (var first = new Socket(); var second = new Socket()) {
            first.connect(s.tcpAddress(), 15_000);
            first.setSoTimeout(15_000);
            var out = new DataOutputStream(first.getOutputStream());
            byte[] q = DnsTestClient.encode(5, "web", DnsRecordType.A, 0);
            out.writeShort(q.length);
            out.write(q);
            out.flush();
            assertEquals(5, DnsTestClient.readTcp(new DataInputStream(first.getInputStream())).id());
            second.connect(s.tcpAddress(), 15_000);
            second.setSoTimeout(15_000);
            assertEquals(-1, second.getInputStream().read(), "the second connection is refused");
            out.writeShort(q.length);
            out.write(q);
            out.flush();
            assertEquals(5, DnsTestClient.readTcp(new DataInputStream(first.getInputStream())).id(), "first still served");
        }
    }

    @Test
    void aTcpClientSendingGarbageLosesOnlyItsConnection() throws Exception {
        var s = server();
        try (var socket = new Socket()) {
            socket.connect(s.tcpAddress(), 15_000);
            socket.setSoTimeout(15_000);
            var out = new DataOutputStream(socket.getOutputStream());
            out.writeShort(3);
            out.write(new byte[] {1, 2, 3}); // shorter than a DNS header
            out.flush();
            assertEquals(-1, socket.getInputStream().read());
        }
        assertEquals(List.of("10.0.2.5"), DnsTestClient.queryTcp(s.tcpAddress(), "web", DnsRecordType.A).values());
    }

    @Test
    void aRelayedAnswerTooLongForTheClientKeepsHeaderAndQuestionWithTc() {
        byte[] query = DnsTestClient.encode(77, "example.org", DnsRecordType.A, 0);
        var big = Unpooled.buffer();
        big.writeBytes(query);
        big.setShort(2, 0x8180); // a response, RD+RA
        big.setShort(6, 30);     // 30 answers claimed
        big.writeZero(600);      // ... and their bytes
        var cut = Wire.fit(big, 512);
        try {
            byte[] b = ByteBufUtil.getBytes(cut);
            assertEquals(query.length, b.length, "header + question only");
            assertEquals(0x8380, ((b[2] & 0xff) << 8) | (b[3] & 0xff), "TC added to the upstream's flags");
            assertEquals(1, b[5], "one question");
            assertEquals(0, b[7], "no answers");
            assertArrayEquals(java.util.Arrays.copyOfRange(query, 12, query.length),
                    java.util.Arrays.copyOfRange(b, 12, b.length));
        } finally {
            cut.release();
        }
    }

    @Test
    void aForwardedAnswerTruncatedOverUdpIsFetchedAgainOverTcpForATcpClient() throws Exception {
        var upstream = new EmbeddedDnsServer(EmbeddedDnsServerTest.sandbox(Map.of("big.example", MANY)),
                DnsConfig.withUpstreams(List.of()), loop.loop());
        closeables.add(upstream);
        upstream.start(LOOPBACK_ANY);
        var s = server(DnsConfig.withUpstreams(List.of(upstream.localAddress())));

        var udp = client(s).query("big.example", DnsRecordType.A);
        assertTrue(udp.truncated(), "the upstream's 512-byte answer is relayed as it is, TC and all");
        var tcp = DnsTestClient.queryTcp(s.tcpAddress(), "big.example", DnsRecordType.A);
        assertFalse(tcp.truncated());
        assertEquals(MANY, tcp.values(), "asked again over TCP upstream");
    }

    @Test
    void anUpstreamWithoutTcpLeavesTheTcpClientTheTruncatedAnswer() throws Exception {
        // A UDP-only upstream: every answer has TC set, and its TCP port refuses connections.
        var udpOnly = new java.net.DatagramSocket(LOOPBACK_ANY);
        closeables.add(udpOnly);
        Thread responder = Thread.ofPlatform().daemon().start(() -> {
            try {
                var p = new java.net.DatagramPacket(new byte[512], 512);
                udpOnly.receive(p);
                byte[] answer = java.util.Arrays.copyOf(p.getData(), p.getLength());
                answer[2] |= (byte) 0x82; // QR and TC
                answer[3] = (byte) 0x80;  // RA, NOERROR
                udpOnly.send(new java.net.DatagramPacket(answer, answer.length, p.getSocketAddress()));
            } catch (java.io.IOException closed) {
                // the test is over
            }
        });
        closeables.add(responder::interrupt);
        var s = server(DnsConfig.withUpstreams(List.of((InetSocketAddress) udpOnly.getLocalSocketAddress())));
        var a = DnsTestClient.queryTcp(s.tcpAddress(), "big.example", DnsRecordType.A);
        assertTrue(a.truncated(), "the truncated answer, not silence");
        assertEquals(DnsResponseCode.NOERROR, a.code());
        assertEquals("big.example.", a.questionName());
    }

    @Test
    void everyServerOfADaemonSharesOneThread() throws Exception {
        var before = dnsThreads();
        for (int i = 0; i < 20; i++) {
            server();
        }
        var started = dnsThreads();
        started.removeAll(before);
        assertEquals(1, started.size(), "one event loop for 20 servers: " + started);
    }

    private static java.util.Set<Thread> dnsThreads() {
        var out = new java.util.HashSet<Thread>();
        Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("jswarm-dns") && t.isAlive())
                .forEach(out::add);
        return out;
    }
}
