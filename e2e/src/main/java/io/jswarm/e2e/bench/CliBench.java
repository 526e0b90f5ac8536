package io.jswarm.e2e.bench;

import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.InitRequest;
import io.jswarm.proto.state.CreateNetwork;
import io.jswarm.testkit.DaemonLab;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code cli} (issue 13): how long an operator waits for a command. One host with a real daemon in a one-node
 * swarm and one overlay; then, {@code runs} times each and alternated, {@code bin/jswarm network ls},
 * {@code node ls} and {@code network inspect} (the thin client: the daemon runs the command line), the same
 * {@code network ls} through the full client ({@code JSWARM_THIN=0}: the JVM with picocli, gRPC and Netty, the
 * path before), and the stock {@code docker -H unix://<the daemon's engine socket> network ls}. Every run must
 * exit 0 and print the overlay (or the node), so a fast failure never counts as a fast answer. Then the CNI
 * plugin: {@code bin/jswarm-cni} STATUS through the thin plugin (the daemon runs the call) and through the full one
 * ({@code JSWARM_THIN=0}), alternated likewise; every run must exit 0 with nothing on stdout.
 */
final class CliBench {
    private static final String NET = "bench-cli-ov";

    private CliBench() {
    }

    static Map<String, Object> run(int runs, String family) throws Exception {
        Path launcher = launcher();
        String docker = docker();
        try (DaemonLab lab = DaemonLab.create(family, 1)) {
            Process daemon = lab.startDaemon(1);
            FailoverBench.await(lab, "daemon answering", () -> FailoverBench.answers(lab, 1));
            lab.call(1, s -> s.init(InitRequest.newBuilder().setAdvertiseAddr(DaemonLab.addr(1)).build()));
            lab.call(1, s -> s.networkCreate(CreateNetworkRequest.newBuilder().setDriver("overlay")
                    .setSpec(CreateNetwork.newBuilder().setName(NET).setAttachable(true)).build()));
            String host = "unix://" + lab.socket(1);
            Map<String, List<String>> lines = new LinkedHashMap<>();
            lines.put("network_ls", List.of(launcher.toString(), "-H", host, "network", "ls"));
            lines.put("node_ls", List.of(launcher.toString(), "-H", host, "node", "ls"));
            lines.put("network_inspect", List.of(launcher.toString(), "-H", host, "network", "inspect", NET));
            lines.put("full_network_ls", List.of("env", "JSWARM_THIN=0", launcher.toString(), "-H", host, "network", "ls"));
            if (docker != null) {
                lines.put("docker_network_ls", List.of(docker, "-H", "unix://" + lab.apiSocket(1), "network", "ls"));
            }
            // jswarm-cni STATUS (asks the daemon, changes nothing): the thin plugin the daemon serves vs the full one
            String cniConf = "{\"cniVersion\":\"1.1.0\",\"name\":\"" + NET + "\",\"type\":\"jswarm-cni\",\"socket\":\"" + lab.socket(1) + "\"}";
            Path cni = launcher.resolveSibling("jswarm-cni");
            lines.put("cni_status", List.of(cni.toString()));
            lines.put("full_cni_status", List.of("env", "JSWARM_THIN=0", cni.toString()));
            Map<String, List<Double>> ms = new LinkedHashMap<>();
            for (String k : lines.keySet()) {
                ms.put(k, new ArrayList<>());
                for (int w = 0; w < 2; w++) {
                    time(lines.get(k), cniConf); // warm-up: the first thin run makes its AOT cache; page cache for all
                }
            }
            for (int i = 0; i < runs; i++) {
                for (var e : lines.entrySet()) {
                    if (e.getKey().startsWith("full_") && i % 3 != 0) {
                        continue; // a second each: a third of the runs is enough for the baseline's median
                    }
                    ms.get(e.getKey()).add(time(e.getValue(), cniConf));
                }
            }
            List<Double> jswarm = new ArrayList<>(); // the CLI's lines only (the docker comparison)
            for (String k : List.of("network_ls", "node_ls", "network_inspect")) {
                jswarm.addAll(ms.get(k));
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("bench", "cli");
            r.put("runs", runs);
            r.put("jswarm_p50_ms", pct(jswarm, 50));
            r.put("jswarm_p90_ms", pct(jswarm, 90));
            r.put("docker_p50_ms", docker == null ? null : pct(ms.get("docker_network_ls"), 50));
            r.put("ratio_p50", docker == null ? null : round(pct(jswarm, 50) / pct(ms.get("docker_network_ls"), 50)));
            for (var e : ms.entrySet()) {
                r.put(e.getKey() + "_p50_ms", pct(e.getValue(), 50));
            }
            r.put("full_over_thin_p50", round(pct(ms.get("full_network_ls"), 50) / pct(ms.get("network_ls"), 50)));
            r.put("cni_full_over_thin_p50", round(pct(ms.get("full_cni_status"), 50) / pct(ms.get("cni_status"), 50)));
            r.put("cni_thin_runs", 2 + ms.get("cni_status").size());
            r.put("cni_thin_served", (int) lab.log(1).lines().filter(l -> l.contains("cni call served command=\"STATUS\" exit=0")).count());
            r.put("docker", docker == null ? "not found" : docker);
            // The thin runs really went through the daemon's CLI socket (it logs each line it served), and what
            // the thin path prints is what the full client prints.
            int thinRuns = 2 * 3 + jswarm.size();
            r.put("thin_runs", thinRuns);
            r.put("thin_served", (int) lab.log(1).lines().filter(l -> l.contains("cli command served")).count());
            r.put("same_output", output(lines.get("network_ls")).equals(output(lines.get("full_network_ls")))
                    && output(lines.get("network_inspect")).equals(output(withFull(lines.get("network_inspect")))));
            daemon.destroy();
            return r;
        }
    }

    /**
     * One run's wall time in ms; fails the bench unless it exited 0 and printed the overlay (or the node; a CNI
     * STATUS: nothing). A jswarm-cni run gets {@code CNI_COMMAND=STATUS} and {@code cniConf} on stdin.
     */
    private static double time(List<String> cmd, String cniConf) throws IOException, InterruptedException {
        boolean cni = cmd.getLast().endsWith("jswarm-cni");
        long t = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (cni) {
            pb.environment().put("CNI_COMMAND", "STATUS");
        }
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            if (cni) {
                in.write(cniConf.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        double took = (System.nanoTime() - t) / 1e6;
        boolean shows = cni ? out.isBlank() : cmd.contains("node") ? out.contains("Leader") : out.contains(NET);
        if (rc != 0 || !shows) {
            throw new AssertionError(String.join(" ", cmd) + ": exit " + rc + ", output: " + out.strip());
        }
        return took;
    }

    private static String output(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() + "\n" + out;
    }

    private static List<String> withFull(List<String> cmd) {
        List<String> full = new ArrayList<>(List.of("env", "JSWARM_THIN=0"));
        full.addAll(cmd);
        return full;
    }

    /** bin/jswarm from the repository root (e2e/bench runs there) or from e2e/ (the smoke test). */
    static Path launcher() {
        for (Path p : List.of(Path.of("bin/jswarm"), Path.of("../bin/jswarm"))) {
            if (Files.isExecutable(p)) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("no bin/jswarm here or in ..: run from the repository root");
    }

    private static String docker() {
        for (String p : List.of("/usr/local/bin/docker", "/usr/bin/docker")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return null;
    }

    static double pct(List<Double> values, int p) {
        List<Double> s = values.stream().sorted().toList();
        int i = (int) Math.ceil(p / 100.0 * s.size()) - 1;
        return round(s.get(Math.max(0, Math.min(s.size() - 1, i))));
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
