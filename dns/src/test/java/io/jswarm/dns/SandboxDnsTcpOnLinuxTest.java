package io.jswarm.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.netlink.NetnsCalls;
import io.jswarm.vxlan.testing.RequiresRoot;
import io.jswarm.vxlan.testing.TestNamespaces;
import io.netty.handler.codec.dns.DnsRecordType;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Docker parity inside real namespaces with glibc's resolver ({@code getent} through {@code ip netns exec}):
 * an answer too long for UDP comes back whole over TCP, {@code NAME.NETWORK} names, a nameless address
 * answered at once, and one event-loop thread for 20 sandboxes. Namespaces and /etc/netns entries are named
 * {@code jsdnsx-<pid>-...}; leftovers of crashed runs are removed first.
 */
@RequiresRoot
@Timeout(180)
class SandboxDnsTcpOnLinuxTest {
    private static final String FAMILY = "jsdnsx";
    private static final ResolvConf FILES = ResolvConf.system();
    /** 40 addresses for one name: about 800 bytes of answers, so UDP (512) must truncate. */
    private static final List<String> MANY = IntStream.rangeClosed(1, 40).mapToObj(i -> "198.51.100." + (100 + i)).toList();

    private TestNamespaces namespaces;
    private SandboxDns dns;

    @BeforeEach
    void setUp() throws IOException {
        EtcNetns.remove(FAMILY + "-");
        namespaces = TestNamespaces.forRun(FAMILY);
        dns = new SandboxDns(DnsConfig.withUpstreams(List.of()), SandboxHost.linux(), FILES);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            dns.close();
        } finally {
            try {
                EtcNetns.remove(namespaces.prefix());
            } finally {
                namespaces.close();
            }
        }
    }

    private static DnsEndpoint ep(String name, String ip, String... aliases) {
        return new DnsEndpoint(name, List.of(aliases), InetAddress.ofLiteral(ip));
    }

    @Test
    void anAnswerTooLongForUdpIsTruncatedThereAndGlibcGetsAllOfItOverTcp() throws Exception {
        String ns = sandbox("sb");
        var endpoints = new ArrayList<DnsEndpoint>();
        for (int i = 0; i < MANY.size(); i++) {
            endpoints.add(ep("task-" + i, MANY.get(i), "many"));
        }
        dns.serve("c1", Netns.named(ns), EndpointNames.of(Map.of("frontend", endpoints)));

        // Over UDP, inside the sandbox: cut to 512 bytes with TC set.
        DnsTestClient.Answer udp = NetnsCalls.inside(Netns.named(ns), () -> {
            try (var c = new DnsTestClient(SandboxDns.LISTEN)) {
                return c.query("many", DnsRecordType.A);
            }
        });
        assertTrue(udp.truncated(), "TC over UDP");
        assertTrue(udp.size() <= 512, "UDP answer of " + udp.size() + " bytes");

        // glibc sees TC, asks again over TCP on 127.0.0.11:53 and prints every address.
        Result r = getent(ns, "hosts", "many");
        assertEquals(0, r.exit(), r.out());
        Set<String> printed = r.out().lines().map(l -> l.split("\\s+")[0]).collect(Collectors.toSet());
        assertEquals(Set.copyOf(MANY), printed, "all 40 addresses, from the TCP answer");
    }

    @Test
    void nameDotNetworkResolvesOnlyForTheSandboxsNetworks() throws Exception {
        String both = sandbox("both");
        String front = sandbox("front");
        var frontend = List.of(ep("web", "198.51.100.5", "www"));
        var backend = List.of(ep("db", "203.0.113.9"));
        dns.serve("c-both", Netns.named(both), EndpointNames.of(Map.of("frontend", frontend, "backend", backend)));
        dns.serve("c-front", Netns.named(front), EndpointNames.of(Map.of("frontend", frontend)));

        assertEquals("198.51.100.5 web.frontend", getent(both, "hosts", "web.frontend").out());
        assertEquals("198.51.100.5 www.frontend", getent(both, "hosts", "www.frontend").out(), "an alias");
        assertEquals("203.0.113.9 db.backend", getent(both, "hosts", "db.backend").out());
        assertEquals(2, getent(both, "hosts", "web.backend").exit(), "web is not on backend");
        assertEquals("198.51.100.5 web.frontend", getent(front, "hosts", "web.frontend").out());
        assertEquals(2, getent(front, "hosts", "db.backend").exit(), "front is not on backend");
    }

    @Test
    void anAddressWhoseNameIsNoHostNameIsAnsweredAtOnce() throws Exception {
        String ns = sandbox("sb");
        dns.serve("c1", Netns.named(ns), EndpointNames.of(Map.of("frontend",
                List.of(ep("x".repeat(64), "198.51.100.9"), ep("web", "198.51.100.5")))));
        long start = System.nanoTime();
        Result r = getent(ns, "hosts", "198.51.100.9");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(2, r.exit(), r.out());
        // A server that stays silent costs glibc's 5 s timeout per try; an answer comes back at once.
        assertTrue(took.compareTo(Duration.ofSeconds(3)) < 0, "answered, took " + took);
        assertEquals("198.51.100.5 web", getent(ns, "hosts", "198.51.100.5").out());
    }

    @Test
    void twentySandboxesShareOneEventLoopThread() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        List<String> sandboxes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String ns = sandbox("s" + i);
            sandboxes.add(ns);
            dns.serve("c" + i, Netns.named(ns), EndpointNames.of(Map.of("net",
                    List.of(ep("web" + i, "198.51.100." + (i + 1))))));
        }
        Set<Thread> after = Thread.getAllStackTraces().keySet();
        var added = after.stream().filter(t -> !before.contains(t) && t.isAlive()).toList();
        Map<String, Long> byName = new HashMap<>();
        added.forEach(t -> byName.merge(t.getName(), 1L, Long::sum));
        System.out.printf("threads: before=%d after=%d added=%s%n", before.size(), after.size(), byName);
        assertEquals(1L, byName.getOrDefault("jswarm-dns", 0L), "one DNS thread for 20 sandboxes: " + byName);
        for (int i = 0; i < 20; i++) {
            assertEquals("198.51.100." + (i + 1) + " web" + i, getent(sandboxes.get(i), "hosts", "web" + i).out());
        }
    }

    /** A named namespace with the resolver's resolv.conf written for it. */
    private String sandbox(String suffix) throws IOException {
        String ns = namespaces.create(suffix);
        FILES.write(ns);
        return ns;
    }

    private record Result(int exit, String out) {
    }

    /** {@code getent ARGS...} inside {@code ns}; output lines with whitespace runs collapsed. */
    private static Result getent(String ns, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, "getent"));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in 30 s");
        }
        String out = new String(p.getInputStream().readAllBytes()).strip().lines()
                .map(l -> l.strip().replaceAll("\\s+", " ")).collect(Collectors.joining("\n"));
        return new Result(p.exitValue(), out);
    }

    /** /etc/netns entries of a test family. */
    static final class EtcNetns {
        private EtcNetns() {
        }

        static void remove(String prefix) throws IOException {
            Path etc = FILES.etcNetns();
            if (!java.nio.file.Files.isDirectory(etc)) {
                return;
            }
            try (var entries = java.nio.file.Files.list(etc)) {
                for (Path dir : entries.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                    try (var tree = java.nio.file.Files.walk(dir)) {
                        for (Path p : tree.sorted(java.util.Comparator.reverseOrder()).toList()) {
                            java.nio.file.Files.deleteIfExists(p);
                        }
                    }
                }
            }
        }
    }
}
