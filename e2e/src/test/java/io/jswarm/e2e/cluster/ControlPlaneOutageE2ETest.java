package io.jswarm.e2e.cluster;

import static io.jswarm.e2e.cluster.ClusterE2ETest.await;
import static io.jswarm.e2e.cluster.ClusterE2ETest.awaitDaemon;
import static io.jswarm.e2e.cluster.ClusterE2ETest.cli;
import static io.jswarm.e2e.cluster.ClusterE2ETest.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.cli.cluster.DaemonClient;
import io.jswarm.cli.cluster.DaemonHost;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NodeStatus;
import io.jswarm.vxlan.testing.RequiresRoot;
import io.jswarm.vxlan.testing.TestNamespaces;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The data plane never depends on the control plane: every daemon of a three-host cluster stopped at once
 * (SIGKILL: a power cut of the control plane; SIGTERM: all restarted together) and started again one by one,
 * seconds apart, in different orders, while every pair of sandboxes pings every 200 ms: not one ping lost.
 * Before the fix a daemon that came back first dropped the kernel peers of nodes whose daemons were not back
 * yet, cutting traffic for 4.5-14 s.
 */
@RequiresRoot
class ControlPlaneOutageE2ETest {
    private static final String[] D = {"jspow-h1", "jspow-h2", "jspow-h3"};
    private static final Pattern SEQ = Pattern.compile("icmp_seq=(\\d+)");

    /** A stop of all daemons, then their starts: host order and the gap before each start. */
    private record Round(String signal, int[] order, int[] gapSeconds) {
    }

    @Test
    void stoppingEveryDaemonNeverCutsTheDataPath() throws Exception {
        try (ClusterLab lab = ClusterLab.create("jspow")) {
            Process[] daemons = new Process[4];
            for (int h = 1; h <= 3; h++) {
                daemons[h] = lab.startDaemon(h, D[h - 1]);
            }
            for (String d : D) {
                awaitDaemon(lab, d);
            }
            String token = ClusterE2ETest.formSwarm(lab, D);
            awaitReady(lab);
            assertEquals(0, cli(lab, D[0], "network", "create", "-d", "overlay", "--attachable", "jspow-ov").rc());
            String[] sb = new String[4];
            String[] ip = new String[4];
            for (int h = 1; h <= 3; h++) {
                sb[h] = lab.sandbox("c" + h);
                var a = cli(lab, D[h - 1], "network", "attach", "jspow-ov", "--name", sb[h]);
                assertEquals(0, a.rc(), a.all());
                ip[h] = inspectIp(lab, D[h - 1]);
            }
            for (int from = 1; from <= 3; from++) {
                for (int to = 1; to <= 3; to++) {
                    if (from != to) {
                        String f = sb[from];
                        String t = ip[to];
                        await(f + " reaches " + t, () -> Shell.ping(f, t), lab, D[0]);
                    }
                }
            }
            // Each host comes back first once; gaps up to 30 s; both kinds of stop.
            List<Round> rounds = List.of(
                    new Round("KILL", new int[]{2, 3, 1}, new int[]{1, 30, 3}),
                    new Round("TERM", new int[]{1, 3, 2}, new int[]{0, 8, 2}),
                    new Round("KILL", new int[]{3, 1, 2}, new int[]{0, 0, 15}));
            List<Pinger> pingers = new ArrayList<>();
            for (int from = 1; from <= 3; from++) {
                for (int to = 1; to <= 3; to++) {
                    if (from != to) {
                        pingers.add(Pinger.start(sb[from], ip[to]));
                    }
                }
            }
            try {
                Thread.sleep(1000);
                for (Round r : rounds) {
                    for (int h = 1; h <= 3; h++) {
                        TestSignals.signal(daemons[h], r.signal());
                    }
                    for (int h = 1; h <= 3; h++) {
                        daemons[h].waitFor(30, TimeUnit.SECONDS);
                    }
                    for (int i = 0; i < 3; i++) {
                        Thread.sleep(r.gapSeconds()[i] * 1000L);
                        int h = r.order()[i];
                        daemons[h] = lab.startDaemon(h, D[h - 1]);
                    }
                    for (String d : D) {
                        awaitDaemon(lab, d);
                    }
                    awaitReady(lab);
                    Thread.sleep(4000); // past every settle: peers that are gone would be dropped by now
                    System.out.printf("round %s %s done%n", r.signal(), java.util.Arrays.toString(r.order()));
                }
            } finally {
                for (Pinger p : pingers) {
                    p.stop();
                }
            }
            for (Pinger p : pingers) {
                System.out.println(p);
                assertTrue(p.received() > 300, p.toString());
                assertEquals(List.of(), p.missing(), p + " lost pings while the control plane was down");
            }

            // `leave` releases the node's addresses at the manager: after a new join the same name attaches.
            var left = cli(lab, D[2], "leave");
            assertEquals(0, left.rc(), left.all());
            await("h3's endpoint withdrawn from h1's table", () -> endpointsAtManager(lab) == 2, lab, D[0]);
            var again = join(lab, D[2], token, ClusterLab.addr(1) + ":2377");
            assertEquals(0, again.rc(), again.all());
            // The manager refuses a second endpoint of one name: this attach succeeds only if leave released it.
            var reattach = cli(lab, D[2], "network", "attach", "jspow-ov", "--name", sb[3]);
            assertEquals(0, reattach.rc(), "the name is free again after leave + join: " + reattach.all()
                    + "\n" + lab.log(D[2]).lines().filter(l -> !l.contains("DEBUG")).skip(Math.max(0,
                    lab.log(D[2]).lines().count() - 40)).collect(java.util.stream.Collectors.joining("\n")));
            String ip3 = inspectIp(lab, D[2]);
            await(sb[1] + " reaches the re-attached " + sb[3], () -> Shell.ping(sb[1], ip3), lab, D[0]);
        }
    }

    /** Endpoints the manager's view of the network lists (its table on the manager's node). */
    private static int endpointsAtManager(ClusterLab lab) throws Exception {
        try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(D[0])))) {
            return c.call(Duration.ofSeconds(5), s -> s.networkInspect(NetworkInspectRequest.newBuilder()
                    .setNetwork("jspow-ov").build())).getEndpointsCount();
        }
    }

    private static void awaitReady(ClusterLab lab) throws Exception {
        await("3 nodes ready", () -> {
            try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(D[0])))) {
                var ns = c.call(Duration.ofSeconds(5), s -> s.listNodes(ListNodesRequest.getDefaultInstance()))
                        .getNodesList();
                return ns.size() == 3 && ns.stream().allMatch(n -> n.getStatus() == NodeStatus.NODE_STATUS_READY);
            }
        }, lab, D[0]);
    }

    private static String inspectIp(ClusterLab lab, String d) throws Exception {
        try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(d)))) {
            return c.call(Duration.ofSeconds(5), s -> s.networkInspect(NetworkInspectRequest.newBuilder()
                    .setNetwork("jspow-ov").build())).getContainers(0).getIpv4().split("/")[0];
        }
    }

    /**
     * A ping every 200 ms until stopped (SIGINT, by PID); lost pings are the gaps in the answered sequence
     * numbers, so the request in flight when it is stopped never counts as lost.
     */
    private static final class Pinger {
        private final String from;
        private final String to;
        private final Process process;
        private final TreeSet<Integer> answered = new TreeSet<>();
        private final Thread reader;

        private Pinger(String from, String to, Process process) {
            this.from = from;
            this.to = to;
            this.process = process;
            this.reader = Thread.ofPlatform().daemon().start(this::read);
        }

        static Pinger start(String from, String to) throws IOException {
            // `ip netns exec` execs ping: the process is ping itself, so SIGINT reaches it.
            return new Pinger(from, to, new ProcessBuilder("ip", "netns", "exec", from, "ping", "-i", "0.2", "-W", "5",
                    to).redirectErrorStream(true).start());
        }

        private void read() {
            try (var in = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
                for (String line; (line = in.readLine()) != null; ) {
                    Matcher m = SEQ.matcher(line);
                    if (m.find()) {
                        synchronized (answered) {
                            answered.add(Integer.parseInt(m.group(1)));
                        }
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }

        void stop() throws InterruptedException {
            if (process.isAlive()) {
                TestNamespaces.run("kill", "-INT", Long.toString(process.pid()));
            }
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            reader.join(10_000);
        }

        int received() {
            synchronized (answered) {
                return answered.size();
            }
        }

        List<Integer> missing() {
            synchronized (answered) {
                List<Integer> out = new ArrayList<>();
                if (answered.isEmpty()) {
                    return List.of(-1);
                }
                for (int s = 1; s < answered.last(); s++) {
                    if (!answered.contains(s)) {
                        out.add(s);
                    }
                }
                return out;
            }
        }

        @Override
        public String toString() {
            List<Integer> m = missing();
            return from + " -> " + to + ": answered " + received() + ", missing " + m.size()
                    + (m.isEmpty() ? "" : " " + m.subList(0, Math.min(20, m.size())));
        }
    }
}
