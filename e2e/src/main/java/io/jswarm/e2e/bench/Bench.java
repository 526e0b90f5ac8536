package io.jswarm.e2e.bench;

import io.jswarm.vxlan.Privileges;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Entry point behind {@code e2e/bench NAME [--option value ...]}. Progress goes to stderr; the result is
 * one JSON object, the last line on stdout, so scripts can take it with {@code tail -1}.
 */
public final class Bench {
    /** Every name the benchmarks create starts with this family. */
    /**
     * The name family of everything a bench creates; {@code JSWARM_BENCH_FAMILY} overrides it so a run cannot
     * clean away another run's labs on a shared machine (a lab removes its family's leftovers when made).
     */
    static final String FAMILY = System.getenv().getOrDefault("JSWARM_BENCH_FAMILY", "jsbench");
    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            System.out.println("usage: e2e/bench fdb [--entries N] | datapath [--rounds N] [--seconds S] | failover [--runs N] [--hog-seconds S] | converge [--attaches N] [--kills K] | scale [--nodes N] [--endpoints E] | footprint [--sandboxes N] [--idle-seconds S] | abuse [--seconds S] [--connections N] | encrypted [--rounds N] [--seconds S] [--rotations K] [--stream-mbit M] | ha [--kills N] [--rate-seconds S] [--kill-gap-seconds S] | cli [--runs N]");
            System.exit(args.length == 0 ? 2 : 0);
        }
        if (!Privileges.isRoot()) {
            System.err.println("bench: needs root (it creates network namespaces)");
            System.exit(1);
        }
        Map<String, String> opts = options(args);
        Map<String, Object> result;
        try {
            result = measure(args[0], opts);
        } catch (Exception | AssertionError e) {
            System.err.println("bench: error: " + e.getMessage());
            if (System.getenv("JSWARM_DEBUG") != null) {
                e.printStackTrace();
            }
            System.exit(1);
            return;
        }
        System.out.println(json(result));
        System.exit(0);
    }

    private static Map<String, Object> measure(String name, Map<String, String> opts) throws Exception {
        switch (name) {
            case "fdb" -> {
                int entries = intOpt(opts, "entries", 10_000, 1, 60_000);
                noMoreOptions(name, opts);
                return FdbBench.run(entries, FAMILY);
            }
            case "datapath" -> {
                int rounds = intOpt(opts, "rounds", 3, 1, 50);
                int seconds = intOpt(opts, "seconds", 5, 1, 120);
                noMoreOptions(name, opts);
                return DatapathBench.run(rounds, seconds, FAMILY);
            }
            case "scale" -> {
                int nodes = intOpt(opts, "nodes", 50, 2, 250); // one address each in 198.51.100.0/24
                int endpoints = intOpt(opts, "endpoints", 1000, 1, 20_000);
                noMoreOptions(name, opts);
                return ScaleBench.run(nodes, endpoints, FAMILY);
            }
            case "failover" -> {
                int runs = intOpt(opts, "runs", 5, 1, 100);
                int hog = intOpt(opts, "hog-seconds", 60, 1, 3600);
                noMoreOptions(name, opts);
                return FailoverBench.run(runs, hog, FAMILY);
            }
            case "converge" -> {
                int attaches = intOpt(opts, "attaches", 20, 1, 1000);
                int kills = intOpt(opts, "kills", 5, 1, 100);
                noMoreOptions(name, opts);
                return ConvergeBench.run(attaches, kills, FAMILY);
            }
            case "abuse" -> {
                int seconds = intOpt(opts, "seconds", 60, 10, 3600);
                int connections = intOpt(opts, "connections", 12_000, 4, 16_000); // the bench JVM's fd limit is 20k
                noMoreOptions(name, opts);
                return AbuseBench.run(seconds, connections, "jsabuse");
            }
            case "footprint" -> {
                int sandboxes = intOpt(opts, "sandboxes", 20, 1, 200);
                int idle = intOpt(opts, "idle-seconds", 60, 1, 3600);
                noMoreOptions(name, opts);
                return FootprintBench.run(sandboxes, idle, FAMILY);
            }
            case "encrypted" -> {
                int rounds = intOpt(opts, "rounds", 3, 1, 50);
                int seconds = intOpt(opts, "seconds", 5, 1, 120);
                int rotations = intOpt(opts, "rotations", 1, 1, 50);
                int streamMbit = intOpt(opts, "stream-mbit", 0, 0, 10_000);
                noMoreOptions(name, opts);
                return EncryptedBench.run(rounds, seconds, rotations, streamMbit, "jsenc");  // names inside the UML guests (own kernels)
            }
            case "ha" -> {
                int kills = intOpt(opts, "kills", 5, 1, 50);
                int rateSeconds = intOpt(opts, "rate-seconds", 15, 2, 600);
                int gap = intOpt(opts, "kill-gap-seconds", 3, 0, 600);
                noMoreOptions(name, opts);
                return HaBench.run(kills, rateSeconds, gap, FAMILY);
            }
            case "cli" -> {
                int runs = intOpt(opts, "runs", 30, 3, 1000);
                noMoreOptions(name, opts);
                return CliBench.run(runs, FAMILY);
            }
            default -> {
                System.err.println("bench: unknown benchmark '" + name + "' (fdb, datapath, failover, converge, scale, footprint, abuse, encrypted, ha, cli)");
                System.exit(2);
                return null;
            }
        }
    }

    private static void noMoreOptions(String name, Map<String, String> opts) {
        if (!opts.isEmpty()) {
            System.err.println("bench: unknown option(s) for " + name + ": --" + String.join(", --", opts.keySet()));
            System.exit(2);
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("bench: expected --name value, got '" + args[i] + "'");
                System.exit(2);
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        return opts;
    }

    private static int intOpt(Map<String, String> opts, String name, int dflt, int min, int max) {
        String v = opts.remove(name);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the message
        }
        System.err.println("bench: --" + name + " must be a number within " + min + ".." + max + ", got '" + v + "'");
        System.exit(2);
        return dflt;
    }

    /** Flat JSON: strings quoted, numbers and booleans as they are, doubles with 2-3 significant decimals. */
    static String json(Map<String, Object> fields) {
        StringJoiner j = new StringJoiner(",", "{", "}");
        fields.forEach((k, v) -> j.add("\"" + k + "\":" + switch (v) {
            case String s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            case Double d -> String.format(java.util.Locale.ROOT, d >= 100 ? "%.1f" : "%.3f", d);
            default -> String.valueOf(v);
        }));
        return j.toString();
    }

    static void log(String msg) {
        System.err.println("bench: " + msg);
    }

    static double median(java.util.List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
