package io.jswarm.gossip.replication;

import io.jswarm.gossip.table.EndpointTable;
import io.jswarm.gossip.table.PageLimits;
import java.time.Duration;
import java.util.Objects;

/**
 * Knobs of {@link TableReplicator}. Start from {@link #DEFAULT} and use the {@code withX} copiers.
 *
 * @param antiEntropyInterval  every interval, per network, a digest goes to one random participant, which
 *                             answers with what the sender lacks and, if it lacks something itself, its own
 *                             digest. Bounds how long a lost message stays lost. Default 1 s: a converged round
 *                             costs one ~600-byte message per network and node. Also how long an entry its
 *                             owner has just sent to every participant is left out of such answers.
 * @param housekeepingInterval period of reaping (tombstones, long-failed owners) and restart-grace expiry.
 *                             Default 1 s, so a grace ends at most this late.
 * @param reapInterval         how long tombstones and a failed owner's hidden entries are kept (the owner can
 *                             come back within it and nothing is lost). Default 30 min, Swarm's
 *                             reapEntryInterval.
 * @param restartGrace         what {@link TableReplicator#announceRestart()} announces, and the longest grace
 *                             this node grants a peer that announces a restart (a peer cannot make us keep its
 *                             entries visible forever). Default 120 s: a daemon restart, not a reboot; a JVM that
 *                             starts in 2 s here took 47-68 s in a loaded UML guest, and a grace shorter than that
 *                             made peers hide the restarting node's endpoints and lose its traffic.
 * @param reclaimWindow        how long a restarted node's new life has to re-create its own entries of an earlier
 *                             life before it withdraws the rest. Separate from the restart grace: it only runs
 *                             once the new life has started, and a long one keeps a crashed node's stale names
 *                             resolvable (90 s broke name lookups after a crash in DemoE2ETest and the UML
 *                             power-loss test). Default 30 s.
 * @param pageLimits           caps of one bulk-state page; default {@link PageLimits#DEFAULT} (1024 entries,
 *                             256 KiB), far below the transport's 2 MiB frame cap.
 * @param exchangeFanout       how many participants a node that joins a network (or re-joins after a restart)
 *                             exchanges full state with at once. Default 3: one is enough when all goes well,
 *                             three survive a stale or absent peer.
 * @param digestBuckets        buckets of the anti-entropy digest (power of two); a differing bucket resends
 *                             all its entries, so more buckets mean smaller repairs and bigger digests.
 *                             Default 64 (8 bytes each).
 */
public record ReplicatorConfig(Duration antiEntropyInterval, Duration housekeepingInterval, Duration reapInterval,
                               Duration restartGrace, Duration reclaimWindow, PageLimits pageLimits, int exchangeFanout,
                               int digestBuckets) {

    public static final ReplicatorConfig DEFAULT = new ReplicatorConfig(Duration.ofSeconds(1), Duration.ofSeconds(1),
            EndpointTable.DEFAULT_REAP_INTERVAL, Duration.ofSeconds(120), Duration.ofSeconds(30), PageLimits.DEFAULT, 3,
            EndpointTable.DEFAULT_BUCKETS);

    public ReplicatorConfig {
        positive(antiEntropyInterval, "antiEntropyInterval");
        positive(housekeepingInterval, "housekeepingInterval");
        positive(reapInterval, "reapInterval");
        positive(restartGrace, "restartGrace");
        positive(reclaimWindow, "reclaimWindow");
        Objects.requireNonNull(pageLimits, "pageLimits");
        if (exchangeFanout < 1 || exchangeFanout > 64) {
            throw new IllegalArgumentException("exchangeFanout must be in [1, 64]: " + exchangeFanout);
        }
        if (digestBuckets < 1 || digestBuckets > 4096 || Integer.bitCount(digestBuckets) != 1) {
            throw new IllegalArgumentException("digestBuckets must be a power of two in [1, 4096]: " + digestBuckets);
        }
    }

    public ReplicatorConfig withAntiEntropyInterval(Duration d) {
        return new ReplicatorConfig(d, housekeepingInterval, reapInterval, restartGrace,
                reclaimWindow, pageLimits, exchangeFanout, digestBuckets);
    }

    public ReplicatorConfig withHousekeepingInterval(Duration d) {
        return new ReplicatorConfig(antiEntropyInterval, d, reapInterval, restartGrace,
                reclaimWindow, pageLimits, exchangeFanout, digestBuckets);
    }

    public ReplicatorConfig withReapInterval(Duration d) {
        return new ReplicatorConfig(antiEntropyInterval, housekeepingInterval, d, restartGrace,
                reclaimWindow, pageLimits, exchangeFanout, digestBuckets);
    }

    public ReplicatorConfig withRestartGrace(Duration d) {
        return new ReplicatorConfig(antiEntropyInterval, housekeepingInterval, reapInterval, d,
                reclaimWindow, pageLimits, exchangeFanout, digestBuckets);
    }

    public ReplicatorConfig withReclaimWindow(Duration d) {
        return new ReplicatorConfig(antiEntropyInterval, housekeepingInterval, reapInterval, restartGrace,
                d, pageLimits, exchangeFanout, digestBuckets);
    }

    public ReplicatorConfig withPageLimits(PageLimits limits) {
        return new ReplicatorConfig(antiEntropyInterval, housekeepingInterval, reapInterval, restartGrace,
                reclaimWindow, limits, exchangeFanout, digestBuckets);
    }

    public ReplicatorConfig withExchangeFanout(int fanout) {
        return new ReplicatorConfig(antiEntropyInterval, housekeepingInterval, reapInterval, restartGrace,
                reclaimWindow, pageLimits, fanout, digestBuckets);
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }
}
