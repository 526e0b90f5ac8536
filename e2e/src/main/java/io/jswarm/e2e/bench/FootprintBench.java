package io.jswarm.e2e.bench;

import static io.jswarm.e2e.bench.FailoverBench.await;
import static io.jswarm.e2e.bench.FailoverBench.formCluster;

import io.jswarm.testkit.DaemonLab;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.state.CreateNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code footprint}: three hosts, real daemons (launched as {@link DaemonLab} launches them, i.e. with the
 * daemon JVM flags of {@code cli/.../lab/Daemons}), one attachable overlay, {@code S} sandboxes per host.
 * Once every host's kernel holds every remote sandbox and a settle period has passed, an idle window of
 * {@code W} seconds is measured per daemon JVM (the PID this bench started; {@code nsenter} execs it):
 * <ul>
 *   <li>{@code rss_mib_max}: the largest VmRSS of {@code /proc/PID/status}, sampled every second;</li>
 *   <li>{@code threads_max}: the largest {@code Threads:} of the same file;</li>
 *   <li>{@code idle_bytes_per_s}: gossip bytes (membership and endpoint tables alike: the transport's frame
 *       counters {@code jswarm_gossip_bytes_total}, in + out, before TLS) per second, the busiest node;</li>
 *   <li>{@code idle_cpu_s_per_min}: utime + stime of {@code /proc/PID/stat} over the window, per minute, the
 *       busiest node.</li>
 * </ul>
 */
final class FootprintBench {
    private static final int HOSTS = 3;
    private static final long CLOCK_TICKS = 100; // USER_HZ on Linux
    private static final int SETTLE_SECONDS = 5;

    private FootprintBench() {
    }

    static Map<String, Object> run(int perHost, int idleSeconds, String family) throws Exception {
        try (DaemonLab lab = DaemonLab.create(family, HOSTS)) {
            Process[] daemons = new Process[HOSTS + 1];
            formCluster(lab, daemons);
            String netId = lab.call(1, s -> s.networkCreate(CreateNetworkRequest.newBuilder().setDriver("overlay")
                    .setSpec(CreateNetwork.newBuilder().setName("bench-ov").setAttachable(true)).build()))
                    .getNetwork().getNetworkId();
            for (int i = 0; i < perHost; i++) {
                for (int h = 1; h <= HOSTS; h++) {
                    String name = lab.sandbox(h, "f" + i);
                    lab.call(h, s -> s.networkAttach(NetworkAttachRequest.newBuilder().setNetwork("bench-ov")
                            .setName(name).build()));
                }
            }
            for (int h = 1; h <= HOSTS; h++) {
                Path ns = lab.networkNamespace(h, netId);
                int[] seen = {0};
                try {
                    await(lab, "h" + h + " holds every remote sandbox", () -> (seen[0] = remoteNeighbours(ns))
                            == (HOSTS - 1) * perHost);
                } catch (AssertionError e) {
                    throw new AssertionError("h" + h + " holds " + seen[0] + " of " + (HOSTS - 1) * perHost
                            + " remote sandboxes; " + FailoverBench.tail(lab, h), e);
                }
            }
            Bench.log("footprint: " + HOSTS + " hosts x " + perHost + " sandboxes converged; settling " + SETTLE_SECONDS
                    + " s, then " + idleSeconds + " s idle");
            Thread.sleep(TimeUnit.SECONDS.toMillis(SETTLE_SECONDS));

            long[] cpu0 = new long[HOSTS + 1];
            double[] bytes0 = new double[HOSTS + 1];
            for (int h = 1; h <= HOSTS; h++) {
                cpu0[h] = cpuTicks(daemons[h].pid());
                bytes0[h] = gossipBytes(lab, h);
            }
            long t0 = System.nanoTime();
            long rssKib = 0;
            int threads = 0;
            List<String> perDaemon = new ArrayList<>();
            while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(idleSeconds)) {
                for (int h = 1; h <= HOSTS; h++) {
                    Map<String, String> st = status(daemons[h].pid());
                    rssKib = Math.max(rssKib, kib(st.get("VmRSS")));
                    threads = Math.max(threads, Integer.parseInt(st.get("Threads").strip()));
                }
                Thread.sleep(1000);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double bytesPerS = 0;
            double cpuPerMin = 0;
            for (int h = 1; h <= HOSTS; h++) {
                double cpu = (cpuTicks(daemons[h].pid()) - cpu0[h]) / (double) CLOCK_TICKS * 60 / seconds;
                double b = (gossipBytes(lab, h) - bytes0[h]) / seconds;
                Map<String, String> st = status(daemons[h].pid());
                perDaemon.add("h" + h + ": rss " + kib(st.get("VmRSS")) / 1024 + " MiB, threads " + st.get("Threads").strip()
                        + ", " + Math.round(b) + " B/s, cpu " + String.format(java.util.Locale.ROOT, "%.2f", cpu) + " s/min");
                bytesPerS = Math.max(bytesPerS, b);
                cpuPerMin = Math.max(cpuPerMin, cpu);
            }
            Bench.log("footprint: " + perDaemon);

            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bench", "footprint");
            out.put("hosts", HOSTS);
            out.put("sandboxes_per_host", perHost);
            out.put("idle_seconds", idleSeconds);
            out.put("rss_mib_max", rssKib / 1024.0);
            out.put("threads_max", threads);
            out.put("idle_bytes_per_s", bytesPerS);
            out.put("idle_cpu_s_per_min", cpuPerMin);
            return out;
        }
    }

    /** Permanent neighbours on the network's vxlan0: the remote sandboxes this host's kernel knows. */
    private static int remoteNeighbours(Path nsFile) {
        if (!Files.exists(nsFile)) {
            return -1;
        }
        String out = exec("nsenter", "--net=" + nsFile, "ip", "neigh", "show", "dev", "vxlan0", "nud", "permanent");
        return (int) out.lines().filter(l -> l.contains("lladdr")).count();
    }

    /** {@code jswarm_gossip_bytes_total}, both directions, from the daemon's {@code /metrics} (inside its host). */
    static double gossipBytes(DaemonLab lab, int host) {
        String text = exec("ip", "netns", "exec", lab.netns(host), "curl", "-sS", "--max-time", "5",
                "http://" + DaemonLab.addr(host) + ":" + DaemonLab.METRICS_PORT + "/metrics");
        double sum = 0;
        boolean seen = false;
        for (String l : text.lines().toList()) {
            if (l.startsWith("jswarm_gossip_bytes_total{")) {
                sum += Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
                seen = true;
            }
        }
        if (!seen) {
            throw new AssertionError("h" + host + ": no jswarm_gossip_bytes_total on /metrics");
        }
        return sum;
    }

    /** utime + stime of {@code pid} in clock ticks (fields 14 and 15 of /proc/PID/stat, after the comm). */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // f[0] is field 3 (state)
    }

    static Map<String, String> status(long pid) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            int c = l.indexOf(':');
            if (c > 0) {
                m.put(l.substring(0, c), l.substring(c + 1).strip());
            }
        }
        if (!"java".equals(m.get("Name"))) {
            throw new AssertionError("PID " + pid + " is " + m.get("Name") + ", not the daemon's JVM");
        }
        return m;
    }

    private static long kib(String v) {
        return Long.parseLong(v.replace("kB", "").strip());
    }

    private static String exec(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError(String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
