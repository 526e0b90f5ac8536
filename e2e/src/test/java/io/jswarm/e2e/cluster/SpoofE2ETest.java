package io.jswarm.e2e.cluster;

import static io.jswarm.e2e.cluster.ClusterE2ETest.await;
import static io.jswarm.e2e.cluster.ClusterE2ETest.awaitDaemon;
import static io.jswarm.e2e.cluster.ClusterE2ETest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.testing.RequiresRoot;
import java.io.InputStream;
import java.net.Inet4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, finding 10 with real daemons: on an attachable overlay over two hosts, sandbox B and observer C live on
 * h2; attacker A1 sits next to them on h2 and attacker A2 on h1. Each attacker in turn sends frames with B's MAC,
 * IPv4 from B's IP, a gratuitous ARP for B's IP and ARP replies telling C that B is at the attacker's MAC
 * (vxlan's test resources {@code spoof/attack.py}), while C pings B. Every ping must be answered, no spoofed frame
 * may reach C, and C's neighbour entry for B must keep B's MAC. Family {@code jsspoof}.
 */
@RequiresRoot
class SpoofE2ETest {
    private static final String[] D = {"jsspoof-h1", "jsspoof-h2"};
    private static final String NET = "jsspoof-ov";

    @Test
    void noSandboxCanTakeOverAnotherOnesTraffic() throws Exception {
        Path dir = Files.createTempDirectory("jsspoof-py");
        try (ClusterLab lab = ClusterLab.create("jsspoof")) {
            Path attack = extract(dir, "attack.py");
            Path sniff = extract(dir, "sniff.py");
            for (int h = 1; h <= 2; h++) {
                lab.startDaemon(h, D[h - 1]);
            }
            for (String d : D) {
                awaitDaemon(lab, d);
            }
            ClusterE2ETest.formSwarm(lab, D);
            var created = cli(lab, D[0], "network", "create", "-d", "overlay", "--attachable", NET);
            assertEquals(0, created.rc(), created.all());
            String b = attach(lab, D[1], lab.sandbox("b"));
            String c = attach(lab, D[1], lab.sandbox("c"));
            String a1 = attach(lab, D[1], lab.sandbox("a1"));
            String a2 = attach(lab, D[0], lab.sandbox("a2"));
            String bIp = ip(b);
            for (String from : List.of(a1, a2)) {
                await(from + " reaches " + c, () -> Shell.ping(from, ip(c)), lab, D[0]);
            }
            await(c + " reaches " + b, () -> Shell.ping(c, bIp), lab, D[0]);

            List<String> failures = new ArrayList<>();
            for (String attacker : List.of(a1, a2)) {
                Process sniffer = python(c, sniff, "eth0", mac(bIp), bIp, "5");
                Process attacking = python(attacker, attack, "eth0", mac(ip(attacker)), mac(bIp), mac(ip(c)), bIp,
                        ip(c), "4");
                Thread.sleep(500);
                Shell.Loss loss = Shell.loss(Shell.startPing(c, bIp, 3));
                String sent = finish(attacking);
                String spoofed = finish(sniffer);
                String neigh = Shell.in(c, "ip", "neigh", "show", bIp).out().strip();
                String seen = attacker + ": sent=" + sent + " lost " + loss.lost() + "/" + loss.sent()
                        + " spoofed frames at C=" + spoofed + " C's neighbour: " + neigh;
                System.out.println("jsspoof e2e " + seen);
                if (Integer.parseInt(sent) < 100 || loss.sent() == 0 || loss.lost() != 0 || Integer.parseInt(spoofed) != 0
                        || !neigh.contains("lladdr " + mac(bIp))) {
                    failures.add(seen);
                }
            }
            assertEquals(List.of(), failures, "spoofing took B's traffic");
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    private static String attach(ClusterLab lab, String daemon, String sandbox) {
        var a = cli(lab, daemon, "network", "attach", NET, "--name", sandbox);
        assertEquals(0, a.rc(), a.all());
        return sandbox;
    }

    /** The sandbox's overlay address, as the kernel has it. */
    private static String ip(String sandbox) {
        String out = Shell.in(sandbox, "ip", "-4", "-o", "addr", "show", "dev", "eth0").out();
        return out.replaceFirst("(?s).*inet (\\d+\\.\\d+\\.\\d+\\.\\d+)/.*", "$1");
    }

    private static String mac(String ip) {
        return MacAddress.forIpv4((Inet4Address) IpPrefix.parseAddress(ip)).toString();
    }

    private static Path extract(Path dir, String script) throws Exception {
        Path to = dir.resolve(script);
        try (InputStream in = SpoofE2ETest.class.getResourceAsStream("/spoof/" + script)) {
            Files.copy(in, to);
        }
        return to;
    }

    private static Process python(String netns, Path script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netns, "python3", script.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static String finish(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0, "helper failed: " + out);
        return out;
    }
}
