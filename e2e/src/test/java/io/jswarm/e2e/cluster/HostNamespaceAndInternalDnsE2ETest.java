package io.jswarm.e2e.cluster;

import static io.jswarm.e2e.cluster.ClusterE2ETest.await;
import static io.jswarm.e2e.cluster.ClusterE2ETest.awaitDaemon;
import static io.jswarm.e2e.cluster.ClusterE2ETest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.cli.cluster.DaemonClient;
import io.jswarm.cli.cluster.DaemonHost;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NetworkInspectResponse;
import io.jswarm.vxlan.testing.RequiresRoot;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 on the real kernel with a real daemon (family {@code jssmall}): finding 9, no attach into the host's
 * network namespace (the daemon's own, PID 1's, bind mounts of either: refused by nsfs identity, and
 * {@code ip link} in those namespaces is unchanged); and finding 11, a sandbox on an internal network gets no
 * forwarded answer for an external name while a sandbox on a normal network still does. The "host's
 * resolver" is a stub in the lab host's namespace, named to the daemon through a resolv.conf of the test's
 * ({@code JSWARM_UNSAFE_RESOLV_CONF}); it prints every name it is asked, so the test sees what left.
 */
@RequiresRoot
@org.junit.jupiter.api.parallel.Isolated("compares the host's own links and routes before and after: nothing else may run")
class HostNamespaceAndInternalDnsE2ETest {
    private static final String D = "jssmall-h1";

    @Test
    void noAttachIntoTheHostNamespaceAndNoExternalDnsOnInternalNetworks() throws Exception {
        try (ClusterLab lab = ClusterLab.create("jssmall")) {
            Path resolv = lab.dir().resolve("upstream-resolv.conf");
            Files.writeString(resolv, "nameserver " + ClusterLab.addr(1) + "\n");
            Process daemon = lab.startDaemon(1, D, Map.of("JSWARM_UNSAFE_RESOLV_CONF", resolv.toString()));
            awaitDaemon(lab, D);
            assertEquals(0, cli(lab, D, "init", "--advertise-addr", ClusterLab.addr(1)).rc());
            var ov = cli(lab, D, "network", "create", "-d", "overlay", "--attachable", "jssmall-ov");
            assertEquals(0, ov.rc(), ov.all());
            var in = cli(lab, D, "network", "create", "-d", "overlay", "--attachable", "--internal", "jssmall-in");
            assertEquals(0, in.rc(), in.all());

            // --- finding 9: every name of the host's namespaces is refused, and nothing changes anywhere.
            String viaDaemon = lab.sandbox("bind-daemon");
            String viaMachine = lab.sandbox("bind-machine");
            String viaPid1 = lab.sandbox("bind-pid1");
            List<String> refs = new ArrayList<>(List.of("/proc/self/ns/net", "/proc/1/ns/net"));
            // Bind mounts (ip netns attach) of the daemon's namespace and of the machine's own (this JVM's).
            assertEquals(0, Shell.run(List.of("ip", "netns", "attach", viaDaemon, Long.toString(daemon.pid()))).rc());
            assertEquals(0, Shell.run(List.of("ip", "netns", "attach", viaMachine,
                    Long.toString(ProcessHandle.current().pid()))).rc());
            refs.addAll(List.of("/run/netns/" + viaDaemon, viaDaemon, "/run/netns/" + viaMachine, viaMachine));
            // PID 1's, where root may bind it (a sandboxed init refuses even root: then no one can attach it).
            var pid1 = Shell.run(List.of("ip", "netns", "attach", viaPid1, "1"));
            if (pid1.rc() == 0) {
                refs.addAll(List.of("/run/netns/" + viaPid1, viaPid1));
            } else {
                System.out.println("PID 1's namespace cannot be bound here (" + pid1.out().strip() + ")");
            }
            String h1 = lab.netns(1);
            Set<String> hostLinks = linkNames(List.of("ip", "-o", "link", "show"));
            Set<String> daemonLinks = linkNames(List.of("ip", "-n", h1, "-o", "link", "show"));
            String daemonRoutes = Shell.run(List.of("ip", "-n", h1, "route", "show")).out();
            String hostDefault = Shell.run(List.of("ip", "route", "show", "default")).out();
            boolean pid1Readable = Shell.run(List.of("stat", "-L", "/proc/1/ns/net")).rc() == 0;
            for (String ref : refs) {
                var r = cli(lab, D, "network", "connect", "--name", "jssmall-x", "jssmall-ov", ref);
                assertNotEquals(0, r.rc(), ref + ": " + r.all());
                boolean unreadable = ref.equals("/proc/1/ns/net") && !pid1Readable;
                assertTrue(r.err().contains(unreadable ? "No such sandbox" : "host's network namespace"), ref + ": "
                        + r.all());
                System.out.println("refused: " + ref + " -> " + r.err().strip());
            }
            assertEquals(hostLinks, linkNames(List.of("ip", "-o", "link", "show")), "host: ip link unchanged");
            assertEquals(daemonLinks, linkNames(List.of("ip", "-n", h1, "-o", "link", "show")),
                    "the daemon's namespace: ip link unchanged");
            assertEquals(daemonRoutes, Shell.run(List.of("ip", "-n", h1, "route", "show")).out(), "no default route");
            assertEquals(hostDefault, Shell.run(List.of("ip", "route", "show", "default")).out());
            NetworkInspectResponse seen = inspect(lab, "jssmall-ov");
            assertEquals(0, seen.getContainersCount(), seen.toString());
            assertEquals(0, seen.getEndpointsCount(), "the manager allocated nothing: " + seen);
            assertFalse(Files.exists(lab.networkNamespace(D, seen.getNetwork().getNetworkId())),
                    "no network namespace was made");

            // --- finding 11: internal networks have no external DNS.
            String inner = lab.sandbox("inner");
            String outer = lab.sandbox("outer");
            assertEquals(0, cli(lab, D, "network", "attach", "jssmall-in", "--name", inner).rc());
            assertEquals(0, cli(lab, D, "network", "attach", "jssmall-ov", "--name", outer).rc());
            List<String> asked = new CopyOnWriteArrayList<>();
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", h1));
            cmd.addAll(ClusterLab.java(StubUpstream.class.getName(), ClusterLab.addr(1)));
            Process stub = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try {
                Thread reader = Thread.ofPlatform().daemon().start(() -> {
                    try (var r = new BufferedReader(new InputStreamReader(stub.getInputStream()))) {
                        r.lines().forEach(asked::add);
                    } catch (java.io.IOException e) {
                        asked.add("reader: " + e);
                    }
                });
                await("stub upstream listening", () -> asked.stream().anyMatch(l -> l.startsWith("listening")), lab, D);

                long t0 = System.nanoTime();
                var refused = Shell.in(inner, "getent", "ahostsv4", "exfil-inner.jssmall.example");
                long refusedMs = (System.nanoTime() - t0) / 1_000_000;
                assertNotEquals(0, refused.rc(), "an internal sandbox resolves no external name: " + refused.out());
                var local = Shell.in(inner, "getent", "ahostsv4", inner);
                assertEquals(0, local.rc(), "names of its own network still resolve: " + local.out());

                var forwarded = Shell.in(outer, "getent", "ahostsv4", "exfil-outer.jssmall.example");
                assertEquals(0, forwarded.rc(), forwarded.out());
                assertTrue(forwarded.out().contains("203.0.113.7"), "a normal network still forwards: " + forwarded.out());
                // The stub answers in order: had the internal sandbox's query left, it would be logged first.
                assertTrue(asked.stream().anyMatch(l -> l.contains("exfil-outer.jssmall.example")), asked.toString());
                assertFalse(asked.stream().anyMatch(l -> l.contains("exfil-inner")), "nothing of the internal "
                        + "sandbox reached the upstream: " + asked);
                System.out.printf("internal sandbox: external name refused in %d ms; upstream saw %s%n", refusedMs, asked);
                reader.interrupt();
            } finally {
                stub.destroy();
                if (!stub.waitFor(10, TimeUnit.SECONDS)) {
                    stub.destroyForcibly();
                }
            }
        }
    }

    private static Set<String> linkNames(List<String> command) {
        Set<String> names = new TreeSet<>();
        for (String line : Shell.run(command).out().split("\n")) {
            String[] parts = line.split(":\\s+", 3); // "3: eth0@if4: <...>"
            if (parts.length >= 2) {
                names.add(parts[1].split("@")[0]);
            }
        }
        return names;
    }

    private static NetworkInspectResponse inspect(ClusterLab lab, String network) {
        try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(D)))) {
            return c.call(Duration.ofSeconds(10), s -> s.networkInspect(NetworkInspectRequest.newBuilder()
                    .setNetwork(network).build()));
        }
    }
}
