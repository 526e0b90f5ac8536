package io.jswarm.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.netlink.NetnsCalls;
import io.jswarm.vxlan.testing.RequiresRoot;
import io.jswarm.vxlan.testing.TestNamespaces;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sandbox resolver against the real kernel and a real resolver client: glibc's {@code getent hosts} run
 * with {@code ip netns exec}, which bind-mounts {@code /etc/netns/NS/resolv.conf} over /etc/resolv.conf.
 * Namespaces and /etc/netns entries are named {@code jsdns-<pid>-...}; leftovers of crashed runs are removed first.
 */
@RequiresRoot
@Timeout(120)
class SandboxDnsOnLinuxTest {
    private static final String FAMILY = "jsdns";
    /** An e2e deadline for a failed lookup, far above a fast NXDOMAIN and below glibc's 5 s retry timeout. */
    private static final Duration FAST = Duration.ofSeconds(3);

    private TestNamespaces namespaces;
    private final List<AutoCloseable> closeLast = new ArrayList<>();
    private SandboxDns dns;

    @BeforeEach
    void setUp() throws IOException {
        removeEtcNetns(FAMILY + "-");
        namespaces = TestNamespaces.forRun(FAMILY);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (dns != null) {
                dns.close();
            }
            for (AutoCloseable c : closeLast.reversed()) {
                c.close();
            }
        } finally {
            try {
                removeEtcNetns(namespaces.prefix());
            } finally {
                namespaces.close();
            }
        }
    }

    @Test
    void answersNamesAddressesAndUnknownNamesInsideTheSandbox() throws Exception {
        String ns = sandbox("sb");
        dns = onHost(DnsConfig.withUpstreams(List.of()));
        dns.serve("c1", Netns.named(ns), new FixedLookup(Map.of("web", "198.51.100.7")));

        assertEquals("198.51.100.7 web", getent(ns, "web").out());
        assertEquals("198.51.100.7 web", getent(ns, "198.51.100.7").out(), "reverse lookup (PTR)");

        long start = System.nanoTime();
        Result unknown = getent(ns, "nosuch");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(2, unknown.exit(), "getent: not found");
        assertTrue(took.compareTo(FAST) < 0, "an unknown name fails fast without upstreams, took " + took);
    }

    @Test
    void twoSandboxesResolveOnlyTheirOwnNames() throws Exception {
        String a = sandbox("a");
        String b = sandbox("b");
        dns = onHost(DnsConfig.withUpstreams(List.of()));
        dns.serve("ca", Netns.named(a), new FixedLookup(Map.of("web", "198.51.100.7")));
        dns.serve("cb", Netns.named(b), new FixedLookup(Map.of("db", "198.51.100.8")));

        assertEquals("198.51.100.7 web", getent(a, "web").out());
        assertEquals("198.51.100.8 db", getent(b, "db").out());
        assertEquals(2, getent(a, "db").exit());
        assertEquals(2, getent(b, "web").exit());
        assertEquals(2, getent(b, "198.51.100.7").exit(), "no PTR of the other sandbox's endpoint");
    }

    @Test
    void forwardsOtherNamesFromTheDaemonsNamespace() throws Exception {
        // The upstream listens on the host's loopback, which the sandbox cannot reach: an answer proves the
        // forwarding socket lives in the daemon's namespace, not the sandbox's.
        var upstreamLoop = new DnsLoop();
        closeLast.add(upstreamLoop);
        var upstream = new EmbeddedDnsServer(new FixedLookup(Map.of("outside", "203.0.113.9")),
                DnsConfig.withUpstreams(List.of()), upstreamLoop.loop());
        closeLast.add(upstream);
        upstream.start(new InetSocketAddress("127.0.0.1", 0));
        String ns = sandbox("sb");
        dns = onHost(DnsConfig.withUpstreams(List.of(upstream.localAddress())));
        dns.serve("c1", Netns.named(ns), new FixedLookup(Map.of("web", "198.51.100.7")));

        assertEquals("203.0.113.9 outside", getent(ns, "outside").out());
        assertEquals("198.51.100.7 web", getent(ns, "web").out(), "local names are still answered locally");
        assertEquals(2, getent(ns, "nosuch").exit(), "the upstream's NXDOMAIN is relayed");
    }

    @Test
    void serveIsIdempotentAndStopFreesThePort() throws Exception {
        String ns = sandbox("sb");
        Netns sandbox = Netns.named(ns);
        var lookup = new FixedLookup(Map.of("web", "198.51.100.7"));
        dns = onHost(DnsConfig.withUpstreams(List.of()));
        dns.serve("c1", sandbox, lookup);
        dns.serve("c1", sandbox, lookup); // same again: no second bind, no "address in use"
        assertEquals(List.of("c1"), dns.keys());

        dns.stop("c1");
        assertEquals(List.of(), dns.keys());
        assertEquals(2, getent(ns, "web").exit(), "nobody answers after stop");
        NetnsCalls.inside(sandbox, () -> {
            try (var ch = DatagramChannel.open(StandardProtocolFamily.INET);
                 var tcp = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.INET)) {
                ch.bind(SandboxDns.LISTEN); // the ports are free again, UDP and TCP
                tcp.bind(SandboxDns.LISTEN);
            }
            return null;
        });

        dns.serve("c1", sandbox, lookup);
        assertEquals("198.51.100.7 web", getent(ns, "web").out());

        dns.removeResolvConf(ns);
        assertFalse(Files.exists(Path.of("/etc/netns", ns)));
        assertNotEquals("198.51.100.7 web", getent(ns, "web").out(), "without the file the host's resolver is asked");
    }

    @Test
    void aNamespaceRecreatedUnderTheSameNameIsServedAfresh() throws Exception {
        String ns = sandbox("sb");
        var lookup = new FixedLookup(Map.of("web", "198.51.100.7"));
        dns = onHost(DnsConfig.withUpstreams(List.of()));
        dns.serve("c1", Netns.named(ns), lookup);
        TestNamespaces.run("ip", "netns", "del", ns);
        TestNamespaces.run("ip", "netns", "add", ns);

        dns.serve("c1", Netns.named(ns), lookup); // same key, path and lookup, but another namespace
        assertEquals("198.51.100.7 web", getent(ns, "web").out());
    }

    /** The production wiring: the real kernel and /etc. */
    static SandboxDns onHost(DnsConfig config) {
        return new SandboxDns(config, SandboxHost.linux(), ResolvConf.system());
    }

    /** A named namespace with the resolver's resolv.conf written for it. */
    private String sandbox(String suffix) throws IOException {
        String ns = namespaces.create(suffix);
        ResolvConf.system().write(ns);
        return ns;
    }

    private record Result(int exit, String out) {
    }

    /** {@code getent hosts KEY} inside {@code ns}; output with whitespace runs collapsed. */
    private static Result getent(String ns, String key) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ip", "netns", "exec", ns, "getent", "hosts", key)
                .redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("getent hosts " + key + " in " + ns + " did not finish in 30 s");
        }
        String out = new String(p.getInputStream().readAllBytes()).strip().replaceAll("\\s+", " ");
        return new Result(p.exitValue(), out);
    }

    /** Removes /etc/netns entries starting with {@code prefix} (ours only: the family prefix). */
    private static void removeEtcNetns(String prefix) throws IOException {
        Path etc = Path.of("/etc/netns");
        if (!Files.isDirectory(etc)) {
            return;
        }
        try (Stream<Path> entries = Files.list(etc)) {
            for (Path dir : entries.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                try (Stream<Path> tree = Files.walk(dir)) {
                    for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }
}
