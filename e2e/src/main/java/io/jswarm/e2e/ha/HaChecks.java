package io.jswarm.e2e.ha;

import io.jswarm.testkit.Exec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The checks of the HA proof against real kernels and daemons, shared by the e2e test and the benchmark. */
public final class HaChecks {
    private HaChecks() {
    }

    /**
     * Every host's kernel (its sandboxes' addresses), every manager's state ({@code network ls}) and every host's
     * table ({@code network inspect}) against the ledger, polled until they agree or {@code HaCluster.DEADLINE_MS}
     * passed (tables and restarted agents converge). Every sighting goes into the ledger, so its duplicates count
     * them all. Returns what still differs (empty: consistent).
     */
    public static List<String> consistency(HaCluster c, AttachLedger ledger, String network, boolean tables)
            throws InterruptedException {
        List<String> diffs = new ArrayList<>();
        long deadline = System.nanoTime() + HaCluster.DEADLINE_MS * 1_000_000;
        do {
            diffs.clear();
            diffs.addAll(ledger.compare("kernels", c.lab().sandboxAddresses(), n -> true));
            for (int h = 1; h <= c.hosts(); h++) {
                if (h <= c.managers()) {
                    Map<String, List<String>> state = c.stateEndpoints(h, network);
                    diffs.addAll(state == null ? List.of("network ls on h" + h + " failed")
                            : ledger.compare("state on h" + h, state, n -> true));
                }
                if (tables) {
                    Map<String, List<String>> table = c.tableEndpoints(h, network);
                    diffs.addAll(table == null ? List.of("network inspect on h" + h + " failed")
                            : ledger.compare("table of h" + h, table, n -> true));
                }
            }
            if (diffs.isEmpty()) {
                break;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        return diffs;
    }

    /**
     * Every live sandbox of the ledger pings every other by address (one shell per source, one ping per target,
     * a miss retried once: a fresh endpoint's ARP may be in flight). Returns the failed pairs.
     */
    public static List<String> pingFailures(AttachLedger ledger) throws InterruptedException {
        return pingFailures(ledger.live());
    }

    /** {@link #pingFailures(AttachLedger)} among {@code live}: sandbox name → address. */
    public static List<String> pingFailures(Map<String, String> live) throws InterruptedException {
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        List<Thread> ts = new ArrayList<>();
        for (var src : live.entrySet()) {
            String targets = live.entrySet().stream().filter(e -> !e.getKey().equals(src.getKey()))
                    .map(Map.Entry::getValue).collect(Collectors.joining(" "));
            ts.add(Thread.ofVirtual().start(() -> {
                Exec.Result r = Exec.run(300, List.of("ip", "netns", "exec", src.getKey(), "sh", "-c",
                        "for ip in " + targets + "; do ping -n -c 1 -W 1 $ip >/dev/null || ping -n -c 1 -W 2 $ip"
                                + " >/dev/null || echo \"FAIL $ip\"; done"));
                if (!r.ok()) {
                    failures.add(src.getKey() + ": " + r.output().strip());
                }
                r.output().lines().filter(l -> l.startsWith("FAIL"))
                        .forEach(l -> failures.add(src.getKey() + " (" + src.getValue() + ") -> " + l.substring(5)));
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
        return failures;
    }
}
