package io.jswarm.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.Netns;
import io.netty.handler.codec.dns.DnsRecordType;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SandboxDns}'s bookkeeping over a fake {@link SandboxHost}: sockets on loopback instead of inside
 * namespaces, identities set by the test, files in a temporary directory. Nothing here touches the machine.
 */
class SandboxDnsTest {

    /** Records what was asked of the machine; a namespace's identity is whatever the test says. */
    static final class FakeHost implements SandboxHost {
        final List<Netns> listened = new ArrayList<>();
        final Map<Netns, Object> identities = new HashMap<>();
        IOException failNext;

        @Override
        public Listeners listen(Netns sandbox) throws IOException {
            if (failNext != null) {
                IOException e = failNext;
                failNext = null;
                throw e;
            }
            listened.add(sandbox);
            return SandboxHost.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }

        @Override
        public Object identity(Netns sandbox) {
            return identities.get(sandbox);
        }
    }

    @TempDir
    Path etc;
    private final FakeHost host = new FakeHost();
    private SandboxDns dns;

    @AfterEach
    void close() {
        if (dns != null) {
            dns.close();
        }
    }

    private SandboxDns dns() {
        dns = new SandboxDns(DnsConfig.withUpstreams(List.of()), host, new ResolvConf(etc, etc.resolve("host")));
        return dns;
    }

    private static String ask(InetSocketAddress at, String name) throws IOException {
        try (var c = new DnsTestClient(at)) {
            return String.join(",", c.query(name, DnsRecordType.A).values());
        }
    }

    @Test
    void servesEachSandboxOnItsOwnSocketsAndIsIdempotent() throws Exception {
        var d = dns();
        var lookup = new FixedLookup(Map.of("web", "198.51.100.7"));
        d.serve("c1", Netns.named("sb1"), lookup);
        d.serve("c1", Netns.named("sb1"), lookup);
        d.serve("c2", Netns.named("sb2"), new FixedLookup(Map.of("db", "198.51.100.8")));
        assertEquals(List.of(Netns.named("sb1"), Netns.named("sb2")), host.listened, "the same again binds nothing");
        assertEquals("198.51.100.7", ask(d.address("c1"), "web"));
        assertEquals("198.51.100.8", ask(d.address("c2"), "db"));
        assertEquals("", ask(d.address("c2"), "web"), "not c1's names");
        assertEquals("198.51.100.7",
                DnsTestClient.queryTcp(d.address("c1"), "web", DnsRecordType.A).values().getFirst(), "TCP too");
    }

    @Test
    void anotherLookupOrARecreatedNamespaceReplacesTheServer() throws Exception {
        var d = dns();
        var lookup = new FixedLookup(Map.of("web", "198.51.100.7"));
        host.identities.put(Netns.named("sb"), "inode-1");
        d.serve("c1", Netns.named("sb"), lookup);
        InetSocketAddress first = d.address("c1");
        host.identities.put(Netns.named("sb"), "inode-2");
        d.serve("c1", Netns.named("sb"), lookup);
        assertEquals(2, host.listened.size(), "a new namespace at the same path is served afresh");
        assertNotEquals(first, d.address("c1"));
        d.serve("c1", Netns.named("sb"), new FixedLookup(Map.of("web", "198.51.100.9")));
        assertEquals(3, host.listened.size());
        assertEquals("198.51.100.9", ask(d.address("c1"), "web"));
    }

    @Test
    void stopFreesTheSocketsAndAFailedListenChangesNothing() throws Exception {
        var d = dns();
        d.serve("c1", Netns.named("sb"), new FixedLookup(Map.of()));
        InetSocketAddress at = d.address("c1");
        d.stop("c1");
        d.stop("c1"); // unknown now: fine
        assertEquals(List.of(), d.keys());
        try (var ch = java.nio.channels.DatagramChannel.open()) {
            ch.bind(at); // the port is free again
        }
        host.failNext = new IOException("no such namespace");
        assertThrows(IOException.class, () -> d.serve("c2", Netns.named("gone"), new FixedLookup(Map.of())));
        assertEquals(List.of(), d.keys());
        d.close();
        assertThrows(IllegalStateException.class, () -> d.serve("c3", Netns.named("sb"), new FixedLookup(Map.of())));
    }

    @Test
    void theSharedLoopReallyReleasesAStoppedServersPortsAtOnce() throws Exception {
        // With one loop for all servers, a closed socket lingers until that loop selects again; stop waits for it.
        var d = dns();
        for (int i = 0; i < 30; i++) {
            d.serve("c1", Netns.named("sb"), new FixedLookup(Map.of()));
            InetSocketAddress at = d.address("c1");
            d.stop("c1");
            try (var udp = java.nio.channels.DatagramChannel.open(); var tcp = java.nio.channels.ServerSocketChannel.open()) {
                udp.bind(at);
                tcp.bind(at);
            }
        }
    }

    @Test
    void resolvConfGoesWhereTheFilesSay() throws Exception {
        var d = dns();
        d.writeResolvConf("sb");
        assertTrue(Files.exists(etc.resolve("sb").resolve("resolv.conf")));
        d.removeResolvConf("sb");
        assertFalse(Files.exists(etc.resolve("sb")));
    }

    @Test
    void theConstructorStartsNothing() {
        var before = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("jswarm-dns")).collect(java.util.stream.Collectors.toSet());
        dns();
        var after = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("jswarm-dns")).collect(java.util.stream.Collectors.toSet());
        assertEquals(before, after);
    }
}
