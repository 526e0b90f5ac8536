package io.jswarm.e2e.bench;

import io.jswarm.cli.Kernels;
import io.jswarm.testkit.Exec;
import io.jswarm.testkit.HostLab;
import io.jswarm.testkit.LabOverlay;
import io.jswarm.vxlan.Dataplane;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.kernel.Link;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TCP throughput between two endpoints on two simulated hosts: (A) over the path jswarm's data plane
 * programmed, (B) over the same topology built by hand with iproute2 ({@code handbuilt-overlay.sh}), in a
 * second lab of the same shape. Rounds alternate A B A B ... so drift (CPU frequency, other load) hits both;
 * medians are reported. Before measuring, both topologies are dumped and compared, so the ratio measures
 * jswarm's path and not a difference in MTU or flags.
 */
final class DatapathBench {
    private static final int PORT = 5201;
    private static final Pattern BPS = Pattern.compile(
            "\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)");

    private DatapathBench() {
    }

    static Map<String, Object> run(int rounds, int seconds, String family) throws IOException {
        if (Exec.run(5, List.of("sh", "-c", "command -v iperf3")).exit() != 0) {
            throw new IllegalStateException("iperf3 is not installed (apt-get install iperf3; e2e/bench does it as root)");
        }
        try (Kernel kernel = Kernels.open();
             HostLab jsLab = HostLab.create(kernel, family, 2);
             HostLab handLab = HostLab.create(kernel, family, 2)) {
            LabOverlay js = LabOverlay.standard(jsLab);
            for (HostLab.Host h : jsLab.hosts()) {
                Dataplane dp = Kernels.dataplane(kernel, h.config());
                dp.ensureNetwork(js.network(h));
                dp.ensureEndpoint(js.endpoint(h));
                HostLab.Host other = jsLab.host(3 - h.index());
                dp.upsertPeers(js.id(), List.of(js.peer(other)));
            }
            int mtu = linkMtu(kernel, Netns.at(js.networkNsFile(jsLab.host(1))), "vxlan0");
            LabOverlay hand = LabOverlay.standard(handLab);
            for (HostLab.Host h : handLab.hosts()) {
                buildByHand(handLab, hand, h, handLab.host(3 - h.index()), mtu);
            }
            List<String> jsShape = shape(kernel, js, jsLab);
            List<String> handShape = shape(kernel, hand, handLab);
            boolean same = jsShape.equals(handShape);
            if (!same) {
                Bench.log("topologies differ; only in jswarm's: " + minus(jsShape, handShape)
                        + "; only in the hand-built: " + minus(handShape, jsShape));
            }
            List<Double> a = new ArrayList<>();
            List<Double> b = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                a.add(iperf(js, jsLab, seconds));
                b.add(iperf(hand, handLab, seconds));
                Bench.log(String.format("round %d: jswarm %.2f Gbit/s, handbuilt %.2f Gbit/s", r, a.getLast(), b.getLast()));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bench", "datapath");
            out.put("rounds", rounds);
            out.put("seconds", seconds);
            out.put("mtu", mtu);
            out.put("jswarm_gbps", Bench.median(a));
            out.put("handbuilt_gbps", Bench.median(b));
            out.put("ratio", Bench.median(a) / Bench.median(b));
            out.put("jswarm_min_gbps", a.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
            out.put("jswarm_max_gbps", a.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
            out.put("handbuilt_min_gbps", b.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
            out.put("handbuilt_max_gbps", b.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
            out.put("same_topology", same);
            return out;
        }
    }

    private static void buildByHand(HostLab lab, LabOverlay net, HostLab.Host h, HostLab.Host peer, int mtu)
            throws IOException {
        String script;
        try (InputStream in = DatapathBench.class.getResourceAsStream("handbuilt-overlay.sh")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> cmd = new ArrayList<>(List.of("bash", "-s", "--", h.nsName(), handNetNs(lab, h),
                net.sandboxName(h), Integer.toString(net.vni()), "4789", h.underlay().getHostAddress(),
                Integer.toString(mtu), net.gateway().toString(), net.endpointAddress(h).toString(), net.mac(h).toString(),
                net.endpointIp(peer), net.mac(peer).toString(), peer.underlay().getHostAddress()));
        Exec.run(60, script, cmd).orThrow();
    }

    private static String handNetNs(HostLab lab, HostLab.Host h) {
        return lab.sandboxName(h, "net");
    }

    /**
     * The topology as a list of comparable facts: each link of the network namespaces and sandboxes with kind,
     * MTU, state, master and VXLAN attributes (names of host-side veths and MACs of internal devices differ by
     * design and are left out), plus the addresses and routes of the sandboxes.
     */
    private static List<String> shape(Kernel kernel, LabOverlay net, HostLab lab) throws IOException {
        List<String> facts = new ArrayList<>();
        for (HostLab.Host h : lab.hosts()) {
            Path netNs = Files.exists(net.networkNsFile(h)) ? net.networkNsFile(h)
                    : Netns.IP_NETNS_DIR.resolve(handNetNs(lab, h));
            for (Netns ns : List.of(Netns.at(netNs), Netns.at(net.sandboxFile(h)))) {
                for (Link l : kernel.links(ns)) {
                    boolean port = "veth".equals(l.kind()) && l.master() != null;
                    facts.add("h" + h.index() + " " + (port ? "port" : l.name()) + " kind=" + l.kind() + " mtu=" + l.mtu()
                            + " up=" + l.up() + " master=" + l.master() + " vxlan=" + l.vxlan()
                            + (l.name().equals("eth0") ? " mac=" + l.mac() : ""));
                }
            }
            facts.addAll(deviceDetails("h" + h.index(), netNs));
            facts.addAll(deviceDetails("h" + h.index(), net.sandboxFile(h)));
            kernel.addresses(Netns.at(net.sandboxFile(h))).forEach(a -> facts.add("h" + h.index() + " " + a));
            kernel.routes(Netns.at(net.sandboxFile(h))).forEach(r -> facts.add("h" + h.index() + " " + r));
        }
        return facts.stream().sorted().toList();
    }

    /** Settings that shape throughput and that the kernel dumps above do not carry, from {@code ip -d -o link}. */
    private static final Pattern DETAIL = Pattern.compile("\\b(qdisc \\S+|numtxqueues \\d+|numrxqueues \\d+"
            + "|gso_max_size \\d+|gso_max_segs \\d+|tso_max_size \\d+|gro_max_size \\d+|srcport \\d+ \\d+|ttl \\S+"
            + "|ageing \\d+|(?:no)?udpcsum|stp_state \\d|mcast_snooping \\d|ageing_time \\d+|hairpin \\S+"
            + "|neigh_suppress \\S+|learning \\S+|flood \\S+)");

    private static List<String> deviceDetails(String host, Path ns) {
        List<String> facts = new ArrayList<>();
        for (String line : Exec.inNetns(ns, "ip", "-d", "-o", "link", "show").orThrow().lines().toList()) {
            String name = line.replaceFirst("^\\d+: ([^:@]+).*", "$1");
            boolean port = line.contains(" master br0 ") && line.contains(" veth ");
            StringBuilder f = new StringBuilder(host + " " + (port ? "port" : name) + " details:");
            Matcher m = DETAIL.matcher(line);
            while (m.find()) {
                f.append(' ').append(m.group(1));
            }
            facts.add(f.toString());
        }
        return facts;
    }

    private static List<String> minus(List<String> a, List<String> b) {
        List<String> rest = new ArrayList<>(a);
        b.forEach(rest::remove);
        return rest;
    }

    private static int linkMtu(Kernel kernel, Netns ns, String name) throws IOException {
        return kernel.links(ns).stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow().mtu();
    }

    /**
     * One iperf3 run from h1's endpoint to h2's. The server is started for exactly one test ({@code -1}),
     * and stopped by its PID if it is still there afterwards.
     */
    private static double iperf(LabOverlay net, HostLab lab, int seconds) throws IOException {
        HostLab.Host h1 = lab.host(1);
        HostLab.Host h2 = lab.host(2);
        Process server = new ProcessBuilder("ip", "netns", "exec", net.sandboxName(h2), "iperf3", "-s", "-1",
                "-p", Integer.toString(PORT)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            awaitListening(net.sandboxFile(h2));
            Exec.Result client = Exec.run(seconds + 30L, List.of("ip", "netns", "exec", net.sandboxName(h1), "iperf3",
                    "-c", net.endpointIp(h2), "-p", Integer.toString(PORT), "-t", Integer.toString(seconds), "-J"));
            Matcher m = BPS.matcher(client.output());
            if (!client.ok() || !m.find()) {
                throw new IllegalStateException("iperf3 failed (exit " + client.exit() + "): " + tail(client.output()));
            }
            return Double.parseDouble(m.group(1)) / 1e9;
        } finally {
            stop(server);
        }
    }

    private static void awaitListening(Path ns) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Exec.inNetns(ns, "ss", "-Hltn", "sport", "= :" + PORT).output().contains(":" + PORT)) {
                return;
            }
            sleep(50);
        }
        throw new IllegalStateException("iperf3 server did not listen within 10 s");
    }

    private static void stop(Process server) {
        try {
            if (!server.waitFor(5, TimeUnit.SECONDS)) {
                server.destroy(); // SIGTERM to this PID only
                if (!server.waitFor(5, TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                    server.waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            server.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String tail(String s) {
        return s.length() > 800 ? "..." + s.substring(s.length() - 800) : s;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
