package io.jswarm.e2e.bench;

import static io.jswarm.e2e.bench.FailoverBench.answers;
import static io.jswarm.e2e.bench.FailoverBench.await;
import static io.jswarm.e2e.bench.FailoverBench.formCluster;
import static io.jswarm.e2e.bench.FailoverBench.awaitConverged;
import static io.jswarm.e2e.bench.FailoverBench.ms;

import io.jswarm.testkit.DaemonLab;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.cluster.NetworkDetachRequest;
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
 * {@code converge}: three hosts, real daemons, one attachable overlay with a long-lived sandbox on each host.
 * (a) Attaches on rotating hosts: each timed from the attach call on host A until a ping from host B's
 * sandbox to the new address is answered (ping every 10 ms, one process, so the time includes a process
 * start: conservative). (b) SIGKILLs of a worker daemon: timed until the victim's sandbox is gone from the
 * neighbour table of every surviving host's network namespace (polled every 20 ms); then the victim restarts
 * and the time from its daemon answering until its sandbox is reachable again is recorded too.
 */
final class ConvergeBench {
    private static final int HOSTS = 3;

    private ConvergeBench() {
    }

    static Map<String, Object> run(int attaches, int kills, String family) throws Exception {
        try (DaemonLab lab = DaemonLab.create(family, HOSTS)) {
            Process[] daemons = new Process[HOSTS + 1];
            String[] ids = formCluster(lab, daemons);
            String netId = lab.call(1, s -> s.networkCreate(CreateNetworkRequest.newBuilder().setDriver("overlay")
                    .setSpec(CreateNetwork.newBuilder().setName("bench-ov").setAttachable(true)).build()))
                    .getNetwork().getNetworkId();
            String[] pinger = new String[HOSTS + 1];
            String[] pingerIp = new String[HOSTS + 1];
            for (int h = 1; h <= HOSTS; h++) {
                int host = h;
                pinger[h] = lab.sandbox(h, "p");
                pingerIp[h] = ip(lab.call(h, s -> s.networkAttach(NetworkAttachRequest.newBuilder()
                        .setNetwork("bench-ov").setName(pinger[host]).build())).getIpv4());
            }
            for (int a = 1; a <= HOSTS; a++) {
                for (int b = 1; b <= HOSTS; b++) {
                    if (a != b) {
                        int from = a;
                        int to = b;
                        await(lab, "p" + a + " reaches p" + b, () -> ping(pinger[from], pingerIp[to], 1));
                    }
                }
            }
            Bench.log("converge: 3 hosts, overlay with a sandbox per host, full mesh");

            List<Double> reachable = new ArrayList<>();
            List<Double> attachCall = new ArrayList<>(); // the attach call alone: the rest is B's side and ping
            for (int i = 0; i < attaches; i++) {
                int a = 1 + i % HOSTS;
                int b = 1 + (i + 1) % HOSTS;
                String name = lab.sandbox(a, "a" + i);
                long t0 = System.nanoTime();
                String addr = ip(lab.call(a, s -> s.networkAttach(NetworkAttachRequest.newBuilder()
                        .setNetwork("bench-ov").setName(name).build())).getIpv4());
                attachCall.add(ms(t0));
                if (!ping(pinger[b], addr, 5)) {
                    throw new AssertionError("attach " + name + " on h" + a + " not reachable from h" + b + " in 5 s");
                }
                reachable.add(ms(t0));
                lab.call(a, s -> s.networkDetach(NetworkDetachRequest.newBuilder().setSandbox(name).build()));
            }
            Bench.log("converge: attach->reachable " + reachable);
            Bench.log("converge: attach call " + attachCall);

            List<Double> withdrawn = new ArrayList<>();
            List<Double> restored = new ArrayList<>();
            for (int k = 0; k < kills; k++) {
                int victim = k % 2 == 0 ? 3 : 2;
                List<Integer> survivors = java.util.stream.IntStream.rangeClosed(1, HOSTS).filter(h -> h != victim)
                        .boxed().toList();
                long t0 = System.nanoTime();
                daemons[victim].destroyForcibly(); // SIGKILL, by the PID this bench started
                daemons[victim].waitFor();
                int v = victim;
                await(lab, "h" + victim + "'s sandbox withdrawn", () -> survivors.stream()
                        .noneMatch(s -> hasNeighbour(lab.networkNamespace(s, netId), pingerIp[v])));
                withdrawn.add(ms(t0));
                daemons[victim] = lab.startDaemon(victim);
                await(lab, "h" + victim + " answering", () -> answers(lab, v));
                long back = System.nanoTime();
                await(lab, "h" + victim + "'s sandbox reachable again", () -> survivors.stream()
                        .allMatch(s -> ping(pinger[s], pingerIp[v], 1)));
                restored.add(ms(back));
                awaitConverged(lab, ids);
            }
            Bench.log("converge: kill->withdrawn " + withdrawn + " restart->reachable " + restored);

            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bench", "converge");
            out.put("attaches", attaches);
            out.put("attach_reachable_p50_ms", percentile(reachable, 50));
            out.put("attach_reachable_p99_ms", percentile(reachable, 99));
            out.put("attach_reachable_max_ms", percentile(reachable, 100));
            out.put("attach_call_p50_ms", percentile(attachCall, 50));
            out.put("attach_call_max_ms", percentile(attachCall, 100));
            out.put("kills", kills);
            out.put("withdrawn_p50_ms", percentile(withdrawn, 50));
            out.put("withdrawn_max_ms", percentile(withdrawn, 100));
            out.put("restart_reachable_p50_ms", percentile(restored, 50));
            out.put("restart_reachable_max_ms", percentile(restored, 100));
            return out;
        }
    }

    /** Nearest-rank percentile (100: the maximum). */
    static double percentile(List<Double> xs, int p) {
        List<Double> s = xs.stream().sorted().toList();
        int rank = (int) Math.ceil(p / 100.0 * s.size());
        return s.get(Math.max(0, Math.min(s.size() - 1, rank - 1)));
    }

    private static String ip(String withPrefix) {
        return withPrefix.substring(0, withPrefix.indexOf('/'));
    }

    /** One ping process sending every 10 ms until the first reply or {@code seconds}. */
    static boolean ping(String netns, String ip, int seconds) {
        try {
            Process p = new ProcessBuilder("ip", "netns", "exec", netns, "ping", "-n", "-q", "-c", "1", "-i", "0.01",
                    "-w", Integer.toString(seconds), ip).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(seconds + 5L, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static boolean hasNeighbour(Path nsFile, String ip) {
        if (!Files.exists(nsFile)) {
            return false;
        }
        try {
            Process p = new ProcessBuilder("nsenter", "--net=" + nsFile, "ip", "neigh", "show", ip, "dev", "vxlan0")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(5, TimeUnit.SECONDS);
            return out.contains("lladdr");
        } catch (IOException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
