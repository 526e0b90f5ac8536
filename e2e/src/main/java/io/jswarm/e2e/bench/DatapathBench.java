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
 * TCP throughput and ping round trips between two endpoints on two simulated hosts: (A) over the path jswarm's
 * data plane programmed, (U) the same without the port guard (the spoofing filter on each sandbox's bridge
 * port: what it costs is {@code guard_ratio} and the RTT fields), (B) over the same topology built by hand with
 * iproute2 ({@code handbuilt-overlay.sh}), each in a lab of the same shape. Rounds alternate A U B A U B ... so
 * drift (CPU frequency, other load) hits all three; medians are reported. Before measuring, U and B are dumped
 * and compared, so the ratio measures jswarm's path and not a difference in MTU or flags.
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
             HostLab openLab = HostLab.create(kernel, family, 2);
             HostLab handLab = HostLab.create(kernel, family, 2)) {
            LabOverlay js = jswarm(kernel, jsLab, true);
            LabOverlay open = jswarm(kernel, openLab, false);
            int mtu = linkMtu(kernel, Netns.at(js.networkNsFile(jsLab.host(1))), "vxlan0");
            LabOverlay hand = LabOverlay.standard(handLab);
            for (HostLab.Host h : handLab.hosts()) {
                buildByHand(handLab, hand, h, handLab.host(3 - h.index()), mtu);
            }
            // The unguarded path is the data plane as it was before the port guard: it must match the hand-built
            // one, so the ratio still measures jswarm's path; the guarded one differs by the guard alone.
            List<String> openShape = shape(kernel, open, openLab);
            List<String> handShape = shape(kernel, hand, handLab);
            boolean same = openShape.equals(handShape);
            if (!same) {
                Bench.log("topologies differ; only in jswarm's: " + minus(openShape, handShape)
                        + "; only in the hand-built: " + minus(handShape, openShape));
            }
            Bench.log("the port guard adds: " + minus(shape(kernel, js, jsLab), openShape));
            List<Double> a = new ArrayList<>();
            List<Double> u = new ArrayList<>();
            List<Double> b = new ArrayList<>();
            List<Double> rttA = new ArrayList<>();
            List<Double> rttU = new ArrayList<>();
            List<Double> rttB = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                a.add(iperf(js, jsLab, seconds));
                u.add(iperf(open, openLab, seconds));
                b.add(iperf(hand, handLab, seconds));
                rttA.add(rttMicros(js, jsLab));
                rttU.add(rttMicros(open, openLab));
                rttB.add(rttMicros(hand, handLab));
                Bench.log(String.format("round %d: jswarm %.2f Gbit/s %.0f us, unguarded %.2f Gbit/s %.0f us, "
                        + "handbuilt %.2f Gbit/s %.0f us", r, a.getLast(), rttA.getLast(), u.getLast(), rttU.getLast(),
                        b.getLast(), rttB.getLast()));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bench", "datapath");
            out.put("rounds", rounds);
            out.put("seconds", seconds);
            out.put("mtu", mtu);
            out.put("jswarm_gbps", Bench.median(a));
            out.put("handbuilt_gbps", Bench.median(b));
            out.put("ratio", Bench.median(a) / Bench.median(b));
            out.put("jswarm_min_gbps", min(a));
            out.put("jswarm_max_gbps", max(a));
            out.put("handbuilt_min_gbps", min(b));
            out.put("handbuilt_max_gbps", max(b));
            out.put("same_topology", same);
            out.put("unguarded_gbps", Bench.median(u));
            out.put("unguarded_min_gbps", min(u));
            out.put("unguarded_max_gbps", max(u));
            out.put("guard_ratio", Bench.median(a) / Bench.median(u));
            out.put("jswarm_rtt_us", Bench.median(rttA));
            out.put("unguarded_rtt_us", Bench.median(rttU));
            out.put("handbuilt_rtt_us", Bench.median(rttB));
            return out;
        }
    }

    /** jswarm's data plane on both hosts of {@code lab}, with or without the port guard. */
    private static LabOverlay jswarm(Kernel kernel, HostLab lab, boolean guard) throws IOException {
        LabOverlay net = LabOverlay.standard(lab);
        for (HostLab.Host h : lab.hosts()) {
            Dataplane dp = Kernels.dataplane(kernel, h.config().withPortGuard(guard));
            dp.ensureNetwork(net.network(h));
            dp.ensureEndpoint(net.endpoint(h));
            dp.upsertPeers(net.id(), List.of(net.peer(lab.host(3 - h.index()))));
        }
        return net;
    }

    private static final Pattern RTT = Pattern.compile("rtt min/avg/max/mdev = [0-9.]+/([0-9.]+)/");

    /** Mean round-trip time of 300 pings 10 ms apart from h1's endpoint to h2's, in microseconds. */
    private static double rttMicros(LabOverlay net, HostLab lab) throws IOException {
        Exec.Result ping = Exec.run(30, List.of("ip", "netns", "exec", net.sandboxName(lab.host(1)), "ping", "-n", "-q",
                "-c", "300", "-i", "0.01", net.endpointIp(lab.host(2))));
        Matcher m = RTT.matcher(ping.output());
        if (!ping.ok() || !m.find()) {
            throw new IllegalStateException("ping failed (exit " + ping.exit() + "): " + tail(ping.output()));
        }
        return Double.parseDouble(m.group(1)) * 1000;
    }

    private static double min(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }

    private static double max(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
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
