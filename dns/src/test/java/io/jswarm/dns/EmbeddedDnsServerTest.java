package io.jswarm.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real UDP queries on loopback against the embedded resolver, a second one acting as upstream, and a mute one. */
class EmbeddedDnsServerTest {

    private static final InetSocketAddress LOOPBACK_ANY = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private final java.util.ArrayList<AutoCloseable> closeables = new java.util.ArrayList<>();
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

    /** A sandbox on one network: web (two replicas) and db, plus an alias. */
    static NameLookup sandbox(Map<String, List<String>> names) {
        return new NameLookup() {
            @Override
            public List<Inet4Address> addresses(String name) {
                return names.getOrDefault(name, List.of()).stream().map(EmbeddedDnsServerTest::v4).toList();
            }

            @Override
            public Optional<String> name(InetAddress address) {
                return names.entrySet().stream().filter(e -> e.getValue().contains(address.getHostAddress()))
                        .map(Map.Entry::getKey).sorted().findFirst();
            }
        };
    }

    static Inet4Address v4(String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static final Map<String, List<String>> NET = Map.of(
            "web", List.of("10.0.1.5", "10.0.1.6"), "db", List.of("10.0.1.9"), "database", List.of("10.0.1.9"));

    private EmbeddedDnsServer server(NameLookup lookup, DnsConfig config) throws Exception {
        var s = new EmbeddedDnsServer(lookup, config, loop.loop());
        closeables.add(s);
        s.start(LOOPBACK_ANY);
        return s;
    }

    private DnsTestClient client(EmbeddedDnsServer s) throws Exception {
        var c = new DnsTestClient(s.localAddress());
        closeables.add(c);
        return c;
    }

    @Test
    void answersLocalNamesCaseInsensitivelyWithTtl600() throws Exception {
        var c = client(server(sandbox(NET), DnsConfig.withUpstreams(List.of())));
        for (String name : List.of("web", "web.", "WEB", "Web.")) {
            var a = c.query(name, DnsRecordType.A);
            assertEquals(DnsResponseCode.NOERROR, a.code(), name);
            assertEquals(List.of("10.0.1.5", "10.0.1.6"), a.values(), name);
            assertEquals(List.of(600L, 600L), a.ttls());
        }
        assertEquals(List.of("10.0.1.9"), c.query("database", DnsRecordType.A).values(), "alias");
    }

    @Test
    void answersPtrForLocalAddresses() throws Exception {
        var c = client(server(sandbox(NET), DnsConfig.withUpstreams(List.of())));
        var a = c.query("9.1.0.10.in-addr.arpa", DnsRecordType.PTR);
        assertEquals(DnsResponseCode.NOERROR, a.code());
        assertEquals(List.of("database."), a.values());
        assertEquals(DnsResponseCode.NXDOMAIN, c.query("9.9.0.10.in-addr.arpa.", DnsRecordType.PTR).code());
    }

    @Test
    void aPtrWhoseNameIsNoHostNameIsAnsweredNxdomainNotSilence() throws Exception {
        // A lookup that hands out names no DNS answer can carry (a 64-character label, a space).
        var bad = new NameLookup() {
            @Override
            public List<Inet4Address> addresses(String name) {
                return List.of();
            }

            @Override
            public Optional<String> name(InetAddress address) {
                return Optional.of(address.getAddress()[3] == 5 ? "x".repeat(64) : "my app");
            }
        };
        var c = client(server(bad, DnsConfig.withUpstreams(List.of())));
        for (String q : List.of("5.1.0.10.in-addr.arpa", "6.1.0.10.in-addr.arpa")) {
            var a = c.query(q, DnsRecordType.PTR);
            assertEquals(DnsResponseCode.NXDOMAIN, a.code(), q);
            assertEquals(List.of(), a.values(), q);
        }
    }

    @Test
    void unknownNamesWithoutUpstreamAreNxdomainAndOtherTypesOfLocalNamesAreEmpty() throws Exception {
        var c = client(server(sandbox(NET), DnsConfig.withUpstreams(List.of())));
        var a = c.query("other-network-service", DnsRecordType.A);
        assertEquals(DnsResponseCode.NXDOMAIN, a.code());
        assertEquals(List.of(), a.values());
        var aaaa = c.query("web", DnsRecordType.AAAA);
        assertEquals(DnsResponseCode.NOERROR, aaaa.code());
        assertEquals(List.of(), aaaa.values());
    }

    @Test
    void forwardsOtherNamesToTheUpstream() throws Exception {
        // The upstream is another embedded resolver with its own names.
        var upstream = server(sandbox(Map.of("example.com", List.of("93.184.216.34"))), DnsConfig.withUpstreams(List.of()));
        var c = client(server(sandbox(NET), DnsConfig.withUpstreams(List.of(upstream.localAddress()))));
        var a = c.query("Example.COM.", DnsRecordType.A);
        assertEquals(DnsResponseCode.NOERROR, a.code());
        assertEquals(List.of("93.184.216.34"), a.values());
        assertEquals("Example.COM.", a.questionName(), "the upstream's answer is relayed with the client's question");
        assertEquals(DnsResponseCode.NXDOMAIN, c.query("nowhere.example", DnsRecordType.A).code(), "upstream's NXDOMAIN");
        assertEquals(List.of("10.0.1.9"), c.query("db", DnsRecordType.A).values(), "local names stay local");
    }

    @Test
    void deadUpstreamGivesServfailWithoutBlockingOtherQueries() throws Exception {
        var mute = new DatagramSocket(LOOPBACK_ANY); // receives and never answers
        closeables.add(mute);
        var config = new DnsConfig(List.of((InetSocketAddress) mute.getLocalSocketAddress()), Duration.ofSeconds(2), 600, 16);
        var c = client(server(sandbox(NET), config));
        c.send(1, "slow.example", DnsRecordType.A);
        c.send(2, "web", DnsRecordType.A);
        // The local answer overtakes the forwarded query that is still waiting for the mute upstream.
        var first = c.receive();
        assertEquals(2, first.id());
        assertEquals(List.of("10.0.1.5", "10.0.1.6"), first.values());
        var second = c.receive(); // within the client's generous 15 s socket timeout
        assertEquals(1, second.id());
        assertEquals(DnsResponseCode.SERVFAIL, second.code());
        assertEquals("slow.example.", second.questionName());
    }

    @Test
    void forwardsBeyondMaxPendingFailAtOnce() throws Exception {
        var mute = new DatagramSocket(LOOPBACK_ANY);
        closeables.add(mute);
        var config = new DnsConfig(List.of((InetSocketAddress) mute.getLocalSocketAddress()), Duration.ofSeconds(2), 600, 1);
        var c = client(server(sandbox(NET), config));
        c.send(1, "one.example", DnsRecordType.A);
        // Wait until the first query is really in flight at the upstream, so the second one finds the slot taken.
        var seen = new java.net.DatagramPacket(new byte[512], 512);
        mute.setSoTimeout(15_000);
        mute.receive(seen);
        c.send(2, "two.example", DnsRecordType.A);
        var first = c.receive();
        assertEquals(2, first.id(), "refused at once, before the first one times out");
        assertEquals(DnsResponseCode.SERVFAIL, first.code());
        assertEquals(1, c.receive().id());
    }

    @Test
    void answersFromAnotherSourceThanTheUpstreamAreIgnored() throws Exception {
        var fake = new DatagramSocket(LOOPBACK_ANY);
        var spoofer = new DatagramSocket(LOOPBACK_ANY);
        closeables.add(fake);
        closeables.add(spoofer);
        var config = new DnsConfig(List.of((InetSocketAddress) fake.getLocalSocketAddress()), Duration.ofSeconds(2), 600, 4);
        var c = client(server(sandbox(NET), config));
        c.send(7, "spoof.example", DnsRecordType.A);
        var q = new java.net.DatagramPacket(new byte[512], 512);
        fake.setSoTimeout(15_000);
        fake.receive(q);
        // Echo the query back with QR set, from the wrong socket: a stray answer with the right id.
        byte[] answer = java.util.Arrays.copyOf(q.getData(), q.getLength());
        answer[2] |= (byte) 0x80;
        spoofer.send(new java.net.DatagramPacket(answer, answer.length, q.getSocketAddress()));
        var a = c.receive();
        assertEquals(7, a.id());
        assertEquals(DnsResponseCode.SERVFAIL, a.code(), "only the timeout answered");
    }

    @Test
    void triesTheNextUpstreamWhenTheFirstIsMute() throws Exception {
        var mute = new DatagramSocket(LOOPBACK_ANY);
        closeables.add(mute);
        var upstream = server(sandbox(Map.of("example.org", List.of("192.0.2.7"))), DnsConfig.withUpstreams(List.of()));
        var config = new DnsConfig(List.of((InetSocketAddress) mute.getLocalSocketAddress(), upstream.localAddress()),
                Duration.ofSeconds(4), 600, 16);
        var c = client(server(sandbox(NET), config));
        assertEquals(List.of("192.0.2.7"), c.query("example.org", DnsRecordType.A).values());
    }

    @Test
    void servesOnAlreadyBoundChannelsAndClosesIdempotently() throws Exception {
        var listeners = SandboxHost.bind(LOOPBACK_ANY);
        var jdk = listeners.udp();
        var s = new EmbeddedDnsServer(sandbox(NET), DnsConfig.withUpstreams(List.of()), loop.loop());
        closeables.add(s);
        s.start(jdk, listeners.tcp());
        assertEquals(jdk.getLocalAddress(), s.localAddress());
        assertEquals(listeners.tcp().getLocalAddress(), s.tcpAddress());
        try (var c = new DnsTestClient(s.localAddress())) {
            assertEquals(List.of("10.0.1.9"), c.query("db", DnsRecordType.A).values());
        }
        assertThrows(IllegalStateException.class, () -> s.start(LOOPBACK_ANY));
        s.close();
        s.close();
        assertTrue(!jdk.isOpen(), "the handed-over socket is closed with the server");
        assertTrue(!listeners.tcp().isOpen(), "and so is the TCP one");
        assertThrows(IllegalStateException.class, () -> s.start(LOOPBACK_ANY));
    }

    @Test
    void constructorStartsNothingAndConfigValidates() {
        var s = new EmbeddedDnsServer(sandbox(NET), DnsConfig.withUpstreams(List.of()), loop.loop());
        assertThrows(IllegalStateException.class, s::localAddress);
        s.close();
        assertThrows(IllegalArgumentException.class, () -> new DnsConfig(List.of(), Duration.ZERO, 600, 1));
        assertThrows(IllegalArgumentException.class, () -> DnsConfig.withUpstreams(
                List.of(LOOPBACK_ANY, LOOPBACK_ANY, LOOPBACK_ANY, LOOPBACK_ANY)));
        assertThrows(IllegalArgumentException.class, () -> DnsConfig.withUpstreams(
                List.of(InetSocketAddress.createUnresolved("dns.example", 53))));
    }
}
