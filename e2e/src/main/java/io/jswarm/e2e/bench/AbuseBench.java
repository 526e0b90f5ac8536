package io.jswarm.e2e.bench;

import static io.jswarm.e2e.bench.FailoverBench.await;
import static io.jswarm.e2e.bench.FailoverBench.formCluster;

import io.jswarm.encryption.NodeIdentity;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.cluster.NetworkAttachResponse;
import io.jswarm.proto.cluster.NetworkDetachRequest;
import io.jswarm.proto.state.CreateNetwork;
import io.jswarm.testkit.DaemonLab;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code abuse} (issue 9's soak): hosts h1 (manager), h2, h3 with real daemons and a fourth host, h4, with none:
 * the attackers' machine. For {@code seconds}: an {@link Outsider} (no certificate) holds as many idle
 * connections as it can to 2377 on h1 and 7946 on every host, and a {@link ForgingMember} with h3's own key
 * and certificate floods forged table messages for h1's and h2's endpoints with h3's VTEP to 7946 on h1 and
 * h2. Meanwhile: {@code node ls} every 200 ms (p99 before and during), pings by name h1→h2, h2→h1, h3→h1 every
 * 200 ms (lost = sent - received), an attach on a rotating host every 3 s that must be reachable by ping from
 * another host within 5 s, and every second each victim's FDB is read: an entry for an h1/h2 endpoint's MAC
 * pointing at h3's VTEP is a hijack (counted once per host and MAC). {@code daemon_restarts} counts daemons
 * that exited (a supervisor would have restarted them). What each daemon holds is sampled every second from
 * {@code /proc}: open file descriptors (its sockets; the outsider's count of "held" connections also includes
 * those still waiting in a kernel accept queue) and VmRSS.
 */
final class AbuseBench {
    private static final int HOSTS = 3;

    private AbuseBench() {
    }

    static Map<String, Object> run(int seconds, int connections, String family) throws Exception {
        try (DaemonLab lab = DaemonLab.create(family, HOSTS + 1)) {
            Process[] daemons = new Process[HOSTS + 1];
            String[] ids = formCluster(lab, daemons);
            lab.call(1, s -> s.networkCreate(CreateNetworkRequest.newBuilder().setDriver("overlay")
                    .setSpec(CreateNetwork.newBuilder().setName("abuse-ov").setAttachable(true)).build()));
            String[] pinger = new String[HOSTS + 1];
            NetworkAttachResponse[] ep = new NetworkAttachResponse[HOSTS + 1];
            for (int h = 1; h <= HOSTS; h++) {
                int host = h;
                pinger[h] = lab.sandbox(h, "p");
                ep[h] = lab.call(h, s -> s.networkAttach(NetworkAttachRequest.newBuilder().setNetwork("abuse-ov")
                        .setName(pinger[host]).build()));
            }
            String netId = ep[1].getNetworkId();
            for (int a = 1; a <= HOSTS; a++) {
                for (int b = 1; b <= HOSTS; b++) {
                    if (a != b) {
                        int from = a;
                        int to = b;
                        await(lab, "p" + a + " reaches p" + b + " by name", () -> ConvergeBench.ping(pinger[from], pinger[to], 1));
                    }
                }
            }
            Bench.log("abuse: 3 nodes, an overlay with a sandbox per host, full mesh by name");

            NodeLsSampler nodeLs = new NodeLsSampler(lab);
            List<Double> before = nodeLs.sample(Math.max(5, Math.min(10, seconds / 3)));

            List<InetSocketAddress> outsiderTargets = new ArrayList<>();
            outsiderTargets.add(new InetSocketAddress(DaemonLab.addr(1), 2377));
            for (int h = 1; h <= HOSTS; h++) {
                outsiderTargets.add(new InetSocketAddress(DaemonLab.addr(h), 7946));
            }
            List<ForgingMember.Victim> victims = new ArrayList<>();
            Set<String> victimMacs = new HashSet<>();
            for (int h = 1; h <= 2; h++) {
                victims.add(new ForgingMember.Victim(netId, ep[h].getEndpointId(),
                        InetAddress.ofLiteral(ip(ep[h].getIpv4())).getAddress(), ep[h].getMac(), ids[h]));
                victimMacs.add(ep[h].getMac().toLowerCase(java.util.Locale.ROOT));
            }
            NodeIdentity h3 = NodeIdentity.load(lab.dataRoot(3).resolve("swarm/certificates"));
            byte[] h3Vtep = InetAddress.ofLiteral(DaemonLab.addr(3)).getAddress();
            int perTarget = Math.max(1, connections / outsiderTargets.size());
            Map<String, Object> out = new LinkedHashMap<>();
            try (Outsider outsider = new Outsider(lab.hostNsFile(HOSTS + 1), outsiderTargets, perTarget, 500);
                 ForgingMember forger = new ForgingMember(lab.hostNsFile(HOSTS + 1), h3, h3Vtep,
                         List.of(new InetSocketAddress(DaemonLab.addr(1), 7946), new InetSocketAddress(DaemonLab.addr(2), 7946)),
                         victims, 300)) {
                Bench.log("abuse: " + seconds + " s of attack: outsider up to " + perTarget + " idle connections to each of "
                        + outsiderTargets + "; h3's certificate forging h1/h2 entries");
                outsider.start();
                forger.start();
                List<Process> pings = new ArrayList<>();
                int[][] pairs = {{1, 2}, {2, 1}, {3, 1}};
                for (int[] p : pairs) {
                    pings.add(new ProcessBuilder("ip", "netns", "exec", pinger[p[0]], "ping", "-n", "-q", "-i", "0.2",
                            "-w", Integer.toString(seconds), pinger[p[1]]).redirectErrorStream(true).start());
                }
                Set<String> hijacked = Collections.synchronizedSet(new HashSet<>());
                long[] fdsMax = new long[HOSTS + 1];
                long[] rssKibMax = new long[HOSTS + 1];
                Thread fdb = Thread.ofPlatform().name("abuse-fdb").daemon().start(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        for (int h = 1; h <= HOSTS; h++) { // what each daemon holds: open fds, resident memory
                            fdsMax[h] = Math.max(fdsMax[h], openFds(daemons[h].pid()));
                            rssKibMax[h] = Math.max(rssKibMax[h], rssKib(daemons[h].pid()));
                        }
                        for (int h = 1; h <= 2; h++) {
                            for (String mac : hijackedMacs(lab, h, netId, victimMacs, DaemonLab.addr(3))) {
                                hijacked.add("h" + h + " " + mac);
                            }
                        }
                        try {
                            Thread.sleep(1000);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                Thread lsThread = Thread.ofPlatform().name("abuse-nodels").daemon().start(() -> nodeLs.sample(seconds));
                long end = System.nanoTime() + seconds * 1_000_000_000L;
                int ok = 0;
                int failed = 0;
                for (int i = 0; System.nanoTime() < end - 6_000_000_000L; i++) {
                    if (attach(lab, 1 + i % HOSTS, 1 + (i + 1) % HOSTS, "a" + i, pinger)) {
                        ok++;
                    } else {
                        failed++;
                    }
                    Thread.sleep(3000);
                }
                lsThread.join(TimeUnit.SECONDS.toMillis(seconds + 30L));
                long sentPings = 0;
                long lost = 0;
                for (Process p : pings) {
                    p.waitFor(seconds + 30L, TimeUnit.SECONDS);
                    long[] sr = pingCounts(new String(p.getInputStream().readAllBytes()));
                    sentPings += sr[0];
                    lost += sr[0] - sr[1];
                }
                fdb.interrupt();
                fdb.join(10_000);
                int restarts = 0;
                for (int h = 1; h <= HOSTS; h++) {
                    if (!daemons[h].isAlive()) {
                        restarts++;
                        Bench.log("abuse: h" + h + " daemon exited: " + FailoverBench.tail(lab, h));
                    }
                }
                Bench.log("abuse: hijacked " + hijacked);
                out.put("bench", "abuse");
                out.put("seconds", seconds);
                out.put("node_ls_failed", nodeLs.failed());
                out.put("attaches_ok", ok);
                out.put("attaches_failed", failed);
                out.put("pings_sent", sentPings);
                out.put("outsider_connections_opened", outsider.opened());
                out.put("outsider_connections_held_max", outsider.heldMax());
                out.put("outsider_held_max_by_target", outsider.heldMaxByTarget());
                out.put("daemon_fds_max", fdsMax[1] + " " + fdsMax[2] + " " + fdsMax[3]);
                out.put("daemon_rss_mib_max", rssKibMax[1] / 1024 + " " + rssKibMax[2] / 1024 + " " + rssKibMax[3] / 1024);
                out.put("forged_messages_sent", forger.sent());
                out.put("forger_reconnects", forger.reconnects());
                out.put("node_ls_p99_ms_before", ConvergeBench.percentile(before, 99));
                out.put("node_ls_p99_ms_during", ConvergeBench.percentile(nodeLs.during(), 99));
                out.put("lost_pings", lost);
                out.put("hijacked", hijacked.size());
                out.put("daemon_restarts", restarts);
            }
            return out;
        }
    }

    /** Attach on {@code a}, reachable by ping from {@code b}'s sandbox within 5 s, detach. */
    private static boolean attach(DaemonLab lab, int a, int b, String suffix, String[] pinger) {
        String name = lab.sandbox(a, suffix);
        try {
            String addr = ip(lab.call(a, s -> s.networkAttach(NetworkAttachRequest.newBuilder().setNetwork("abuse-ov")
                    .setName(name).build())).getIpv4());
            boolean reached = ConvergeBench.ping(pinger[b], addr, 5);
            lab.call(a, s -> s.networkDetach(NetworkDetachRequest.newBuilder().setSandbox(name).build()));
            return reached;
        } catch (RuntimeException e) {
            Bench.log("abuse: attach " + name + " on h" + a + " failed: " + e.getMessage());
            return false;
        }
    }

    /** Victim MACs whose FDB entry in host {@code h}'s network namespace points at {@code vtep}. */
    private static List<String> hijackedMacs(DaemonLab lab, int h, String netId, Set<String> macs, String vtep) {
        List<String> out = new ArrayList<>();
        try {
            Process p = new ProcessBuilder("nsenter", "--net=" + lab.networkNamespace(h, netId), "bridge", "fdb", "show",
                    "dev", "vxlan0").redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes());
            p.waitFor(5, TimeUnit.SECONDS);
            for (String line : text.split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 3 && macs.contains(f[0].toLowerCase(java.util.Locale.ROOT)) && line.contains("dst " + vtep + " ")) {
                    out.add(f[0]);
                }
            }
        } catch (IOException e) {
            Bench.log("abuse: fdb read on h" + h + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    /** Open file descriptors of {@code pid} (sockets included); 0 once it is gone. */
    private static long openFds(long pid) {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    private static long rssKib(long pid) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone
        }
        return 0;
    }

    /** {sent, received} from ping's summary line. */
    static long[] pingCounts(String output) {
        var m = java.util.regex.Pattern.compile("(\\d+) packets transmitted, (\\d+) (?:packets )?received").matcher(output);
        if (!m.find()) {
            throw new AssertionError("no ping summary in: " + output);
        }
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    private static String ip(String withPrefix) {
        return withPrefix.substring(0, withPrefix.indexOf('/'));
    }

    /** {@code node ls} on the manager every 200 ms; a failed call counts as failed, not as a latency. */
    private static final class NodeLsSampler {
        private final DaemonLab lab;
        private final List<Double> during = Collections.synchronizedList(new ArrayList<>());
        private volatile int failed;

        NodeLsSampler(DaemonLab lab) {
            this.lab = lab;
        }

        /** Samples for {@code seconds}; returns this run's latencies (also kept as {@link #during}). */
        List<Double> sample(int seconds) {
            List<Double> xs = new ArrayList<>();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                try {
                    lab.call(1, s -> s.listNodes(ListNodesRequest.getDefaultInstance()));
                    xs.add(FailoverBench.ms(t0));
                } catch (RuntimeException e) {
                    failed++;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    break;
                }
            }
            during.clear();
            during.addAll(xs);
            return xs;
        }

        List<Double> during() {
            return during.isEmpty() ? List.of(0.0) : List.copyOf(during);
        }

        int failed() {
            return failed;
        }
    }
}
