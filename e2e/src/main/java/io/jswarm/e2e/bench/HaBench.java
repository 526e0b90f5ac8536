package io.jswarm.e2e.bench;

import io.jswarm.e2e.ha.AttachChurn;
import io.jswarm.e2e.ha.AttachLedger;
import io.jswarm.e2e.ha.HaCli;
import io.jswarm.e2e.ha.HaCluster;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code ha}: five hosts with real daemons. First one manager (h1) and two workers (h4, h5): attach throughput
 * for {@code rateSeconds} from a stream on each of h1, h4, h5 ({@code attach_rate_1mgr}); then h2 and h3 join with
 * the manager token and the same three streams run again ({@code attach_rate_3mgr}; {@code ratio} = 3 / 1). Then a
 * stream on every host while the leader is SIGKILLed {@code kills} times (by PID): {@code election_*} = from the
 * kill until {@code node ls} on a surviving manager shows another Leader; {@code write_gap_*} = from the kill until
 * the first attach started after it succeeded (anywhere). The victim is restarted and must come back as a follower
 * before the next kill. At the end every address seen (attach answers, every sandbox namespace's kernel address,
 * the managers' state) is checked: no address with two sandboxes ({@code duplicate_addresses}, the whole run).
 * {@code attaches} and {@code failed_attaches} count the kill phase (an attach in flight on the victim's own host
 * when its daemon dies fails too, and counts).
 *
 * <p>Streams: attach, then detach the oldest once more than 4 are live on that host; each attach is the CLI's
 * {@code network attach} on that host's daemon (a worker's goes through its manager session). The network is a
 * /20 so the serial allocator never wraps within a run: an address seen twice is a real duplicate.
 */
final class HaBench {
    static final String NETWORK = "jsha-bench";
    private static final int KEEP = 4;

    private HaBench() {
    }

    static Map<String, Object> run(int kills, int rateSeconds, int killGapSeconds, String family) throws Exception {
        try (HaCluster c = HaCluster.start(family, 3, 2)) {
            String managerToken = c.init();
            String workerToken = c.token("worker");
            c.check(c.join(4, workerToken), "join h4");
            c.check(c.join(5, workerToken), "join h5");
            c.check(c.cli(1, "network", "create", "-d", "overlay", "--attachable", "--subnet", "10.96.0.0/20", NETWORK),
                    "network create");
            AttachLedger ledger = new AttachLedger();
            AttachChurn churn = new AttachChurn(c, NETWORK, ledger, "b");
            Bench.log("ha: 1 manager + 2 workers; attach rate for " + rateSeconds + " s from h1, h4, h5");
            double rate1 = rate(churn, ledger, List.of(1, 4, 5), rateSeconds);
            Bench.log(String.format(java.util.Locale.ROOT, "ha: attach_rate_1mgr %.1f/s", rate1));

            for (int h = 2; h <= 3; h++) {
                HaCli.Result j = c.join(h, managerToken);
                c.check(j, "join of h" + h + " as a manager");
            }
            c.await("3 managers (Leader/Reachable) and 5 nodes Ready on h1", () -> c.allReady(1));
            Bench.log("ha: 3 managers; attach rate for " + rateSeconds + " s from h1, h4, h5");
            double rate3 = rate(churn, ledger, List.of(1, 4, 5), rateSeconds);
            Bench.log(String.format(java.util.Locale.ROOT, "ha: attach_rate_3mgr %.1f/s", rate3));

            List<Double> election = new ArrayList<>();
            List<long[]> killed = new ArrayList<>(); // {victim host, kill time}
            List<Double> gap = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger attaches = new AtomicInteger();
            List<Thread> streams = new ArrayList<>();
            long okBefore = ledger.count(AttachLedger.Kind.ATTACHED);
            long failedBefore = ledger.count(AttachLedger.Kind.ATTACH_FAILED);
            for (int h = 1; h <= c.hosts(); h++) {
                streams.add(churn.stream(h, KEEP, stop, attaches));
            }
            try {
                Thread.sleep(2000);
                for (int k = 0; k < kills; k++) {
                    int victim = c.leader();
                    int survivor = victim == 1 ? 2 : 1;
                    long t0 = System.nanoTime();
                    c.kill(victim);
                    killed.add(new long[] {victim, t0});
                    long[] found = c.awaitNewLeader(survivor, victim, t0);
                    election.add((double) found[1]);
                    long deadline = t0 + HaCluster.DEADLINE_MS * 1_000_000;
                    long first;
                    while ((first = ledger.firstSuccessAfter(t0)) < 0 && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    if (first < 0) {
                        throw new AssertionError("no attach succeeded within " + HaCluster.DEADLINE_MS + " ms after killing h"
                                + victim + ": " + ledger.summary() + "\n" + c.tail((int) found[0]));
                    }
                    gap.add((first - t0) / 1e6);
                    Bench.log(String.format(java.util.Locale.ROOT, "ha: kill %d/%d: leader h%d SIGKILLed, h%d leads after %d ms,"
                            + " first attach after %.0f ms; node ls on h%d: %s", k + 1, kills, victim, found[0], found[1],
                            (first - t0) / 1e6, survivor, c.lastElection()));
                    c.restart(victim);
                    c.await("h" + victim + " back as a follower", () -> "Reachable".equals(status(c, (int) found[0], victim)));
                    Thread.sleep(killGapSeconds * 1000L);
                }
            } finally {
                stop.set(true);
                for (Thread t : streams) {
                    t.join(180_000);
                }
            }
            // The victims' own calls in flight at each kill (recorded when they ended): a restart finishes or undoes them.
            killed.forEach(k -> ledger.crashed((int) k[0], k[1]));
            List<String> diffs = check(c, ledger);
            diffs.forEach(d -> Bench.log("ha: " + d));
            Bench.log("ha: operations " + ledger.summary());
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bench", "ha");
            out.put("kills", kills);
            out.put("election_p50_ms", kills == 0 ? 0.0 : Bench.median(election));
            out.put("election_max_ms", election.stream().mapToDouble(Double::doubleValue).max().orElse(0));
            out.put("write_gap_p50_ms", kills == 0 ? 0.0 : Bench.median(gap));
            out.put("write_gap_max_ms", gap.stream().mapToDouble(Double::doubleValue).max().orElse(0));
            long failed = ledger.count(AttachLedger.Kind.ATTACH_FAILED) - failedBefore;
            out.put("attaches", ledger.count(AttachLedger.Kind.ATTACHED) - okBefore + failed);
            out.put("failed_attaches", failed);
            out.put("duplicate_addresses", ledger.duplicateAddresses());
            out.put("attach_rate_1mgr", rate1);
            out.put("attach_rate_3mgr", rate3);
            out.put("ratio", rate1 == 0 ? 0.0 : rate3 / rate1);
            out.put("state_mismatches", diffs.size());
            return out;
        }
    }

    private static String status(HaCluster c, int on, int of) {
        try {
            return c.managerStatus(on, of);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Successful attaches per second over {@code seconds} from one stream on each of {@code hosts}. */
    private static double rate(AttachChurn churn, AttachLedger ledger, List<Integer> hosts, int seconds) throws Exception {
        long before = ledger.count(AttachLedger.Kind.ATTACHED);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger n = new AtomicInteger();
        List<Thread> ts = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int h : hosts) {
            ts.add(churn.stream(h, KEEP, stop, n));
        }
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread t : ts) {
            t.join(180_000);
        }
        double elapsed = (System.nanoTime() - t0) / 1e9; // includes each stream's last operation
        return (ledger.count(AttachLedger.Kind.ATTACHED) - before) / elapsed;
    }

    /** Kernels and every manager's state against the ledger (tables are the e2e test's). */
    static List<String> check(HaCluster c, AttachLedger ledger) throws Exception {
        return io.jswarm.e2e.ha.HaChecks.consistency(c, ledger, NETWORK, false);
    }
}
