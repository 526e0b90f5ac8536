package io.jswarm.e2e.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.testing.RequiresRoot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Keeps the benchmarks from rotting: each runs once, small, on the real kernel. No timing is asserted (that
 * is what e2e/bench is for), only that they run, verify their own counts, and compare like with like.
 */
@org.junit.jupiter.api.parallel.ResourceLock("jse2e") // shares its family with the lab classes
class BenchSmokeE2ETest {

    @Test
    @RequiresRoot
    void fdbBenchmarkProgramsAndVerifiesEntriesBothWays() throws Exception {
        Map<String, Object> r = FdbBench.run(300, "jse2e"); // throws if a count checked with iproute2 is off
        assertEquals("fdb", r.get("bench"));
        assertEquals(300, r.get("entries"));
        for (String k : List.of("jswarm_add_ms", "jswarm_del_ms", "iproute2_add_ms", "iproute2_del_ms")) {
            assertTrue((Double) r.get(k) > 0, k + " = " + r.get(k));
        }
    }

    @Test
    @RequiresRoot
    void datapathBaselineIsTheSameTopologyAsJswarms() throws Exception {
        Map<String, Object> r = DatapathBench.run(1, 1, "jse2e");
        // The hand-built script must build exactly what the data plane builds, or the ratio means nothing.
        assertEquals(true, r.get("same_topology"), r.toString());
        assertTrue((Double) r.get("jswarm_gbps") > 0 && (Double) r.get("handbuilt_gbps") > 0, r.toString());
        assertTrue((Double) r.get("unguarded_gbps") > 0 && (Double) r.get("jswarm_rtt_us") > 0, r.toString());
    }

    @Test
    @RequiresRoot
    void failoverBenchmarkMeasuresRemovalAndDownAndCountsFalseRemovals() throws Exception {
        Map<String, Object> r = FailoverBench.run(1, 5, "jse2e");
        assertEquals("failover", r.get("bench"));
        assertEquals(1, r.get("runs"));
        for (String k : List.of("removed_p50_ms", "removed_max_ms", "down_p50_ms", "down_max_ms")) {
            assertTrue((Double) r.get(k) > 0, k + " = " + r);
        }
        // Counts, not timings: nothing was killed during the hog, so no node may have removed anyone.
        assertEquals(0L, r.get("false_removals"), r.toString());
        assertEquals(0, r.get("false_down"), r.toString());
        assertTrue(Bench.json(r).contains("\"false_removals\":"), Bench.json(r));
    }

    @Test
    @RequiresRoot
    void cliBenchmarkTimesTheThinClientThroughTheDaemonsCliSocket() throws Exception {
        Map<String, Object> r = CliBench.run(3, "jse2e"); // throws unless every run exited 0 with the overlay shown
        assertEquals("cli", r.get("bench"));
        for (String k : List.of("jswarm_p50_ms", "jswarm_p90_ms", "full_network_ls_p50_ms", "cni_status_p50_ms", "full_cni_status_p50_ms")) {
            assertTrue((Double) r.get(k) > 0, k + " = " + r);
        }
        // Counts, not timings: every thin run was served by the daemon (none fell back to the full client), and
        // both paths print the same bytes.
        assertEquals(r.get("thin_runs"), r.get("thin_served"), r.toString());
        assertEquals(true, r.get("same_output"), r.toString());
        assertEquals(r.get("cni_thin_runs"), r.get("cni_thin_served"), "every thin jswarm-cni call served by the daemon: " + r);
        System.out.println("cli smoke: " + Bench.json(r));
    }

    @Test
    void convergeBenchmarkTimesAttachesAndWithdrawals() throws Exception {
        Map<String, Object> r = ConvergeBench.run(2, 1, "jse2e"); // throws if an attach is never reachable
        assertEquals("converge", r.get("bench"));
        assertEquals(2, r.get("attaches"));
        assertEquals(1, r.get("kills"));
        for (String f : List.of("attach_reachable_p50_ms", "attach_reachable_p99_ms", "withdrawn_p50_ms", "withdrawn_max_ms")) {
            assertTrue((Double) r.get(f) > 0, f + " in " + r);
        }
    }

    @Test
    @RequiresRoot
    void footprintBenchmarkMeasuresEveryDaemonOverAShortIdleWindow() throws Exception {
        Map<String, Object> r = FootprintBench.run(2, 3, "jsfoot"); // throws if a sandbox never reaches every host
        assertEquals("footprint", r.get("bench"));
        assertEquals(2, r.get("sandboxes_per_host"));
        assertEquals(3, r.get("idle_seconds"));
        // Counts and magnitudes, not targets: a live JVM has some MiB and threads, and SWIM pings while idle.
        assertTrue((Double) r.get("rss_mib_max") > 16 && (Integer) r.get("threads_max") > 5, r.toString());
        assertTrue((Double) r.get("idle_bytes_per_s") > 0 && (Double) r.get("idle_cpu_s_per_min") >= 0, r.toString());
        assertTrue(Bench.json(r).startsWith("{\"bench\":\"footprint\","), Bench.json(r));
    }

    @Test
    void scaleBenchmarkConvergesEveryViewAndKernelWithoutFalseRemovals() throws Exception {
        // The bench's agents need 198.51.100.1..5: a namespace of this test holds them, and the bench runs there
        // in its own JVM, as e2e/bench runs it.
        try (var ns = io.jswarm.vxlan.testing.TestNamespaces.forRun("jsscale")) {
            String name = ns.create("s");
            io.jswarm.vxlan.testing.TestNamespaces.run("ip", "-n", name, "link", "set", "lo", "up");
            for (int i = 1; i <= 5; i++) {
                io.jswarm.vxlan.testing.TestNamespaces.run("ip", "-n", name, "address", "add", "198.51.100." + i + "/32", "dev", "lo");
            }
            var cmd = new java.util.ArrayList<>(List.of("ip", "netns", "exec", name,
                    ProcessHandle.current().info().command().orElse("java"), "-Xmx768m", "--enable-native-access=ALL-UNNAMED",
                    "-Djdk.serialFilter=!*", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-cp", System.getProperty("java.class.path"), Bench.class.getName(), "scale", "--nodes", "5",
                    "--endpoints", "100"));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "bench finished");
            String json = out.strip().lines().reduce((a, b) -> b).orElse("");
            assertEquals(0, p.exitValue(), out);
            assertTrue(json.startsWith("{\"bench\":\"scale\",\"nodes\":5,\"endpoints\":100"), json);
            assertTrue(json.contains("\"false_removals\":0"), json);
            assertTrue(json.matches(".*\"converge_ms\":[0-9.]+.*\"msgs_per_node\":[1-9][0-9]*.*\"bytes_per_node\":[1-9].*"), json);
        }
    }

    @Test
    void resultIsOneFlatJsonObject() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", "x\"y");
        m.put("n", 3);
        m.put("ms", 71.07345);
        m.put("big", 312.44);
        m.put("ok", true);
        assertEquals("{\"bench\":\"x\\\"y\",\"n\":3,\"ms\":71.073,\"big\":312.4,\"ok\":true}", Bench.json(m));
    }
}
