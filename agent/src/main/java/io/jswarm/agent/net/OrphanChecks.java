package io.jswarm.agent.net;

import io.jswarm.proto.cluster.OwnEndpointsResponse;
import io.jswarm.proto.cluster.PendingRelease;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Orphans: endpoints the manager records for this node that no sandbox here holds. Left alone each would keep its
 * name and address taken forever, so they are released. An orphan comes from
 * <ul>
 *   <li>a kill between the manager's allocation and the saved ATTACHING: checked a second after a start's first
 *       view;</li>
 *   <li>an attach whose manager call had no answer (a killed leader, a deadline): its write may have committed
 *       all the same. Checked a second later, and once more when that write can no longer commit
 *       ({@link #UNKNOWN_OUTCOME_WINDOW}), against a state a quorum confirmed: a manager that forwarded the
 *       write keeps retrying it at the next leader for a few seconds, and HaClusterE2ETest saw one commit after
 *       the first check, its caller long since attached from a lease and detached.</li>
 * </ul>
 * The checks call the manager, so they run on the releases' background thread, never on the loop; the loop
 * decides what counts as an orphan ({@link Recovery#orphans}), and says "not now" while an attach is in flight.
 */
final class OrphanChecks {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanChecks.class);

    /**
     * How long after an attach without an answer its write may still commit. A manager's write retries for at most
     * the larger of 5 s and 2 × electionMax + 1 s (5 s by default, {@code RaftRuntime.writeRetry}) plus one request timeout (1.5 s), and
     * it starts no later than the caller gave up (a manager does not start a write for a cancelled call). Twice
     * that leaves room for a slow disk and a second election.
     */
    static final Duration UNKNOWN_OUTCOME_WINDOW = Duration.ofSeconds(15);

    /** {@link #check}'s answer when an attach was in flight: look again in a second. */
    static final int IN_FLIGHT = -1;
    /** {@link #check}'s answer when a confirmed state was asked for and the manager could not confirm its own. */
    static final int UNCONFIRMED = -2;

    private final AgentCore core;
    private final Recovery recovery;
    private final Releases releases;
    private final LongSupplier nanos;
    private final AtomicBoolean startChecked = new AtomicBoolean();
    /** A quick check is scheduled and has not asked the manager yet. */
    private final AtomicBoolean quickQueued = new AtomicBoolean();
    /** When the last write of unknown outcome can no longer commit ({@link #nanos}); 0: none pending. */
    private final AtomicLong settleAt = new AtomicLong();
    private final AtomicBoolean settleQueued = new AtomicBoolean();
    private volatile Duration window = UNKNOWN_OUTCOME_WINDOW;

    OrphanChecks(AgentCore core, Recovery recovery, Releases releases, LongSupplier nanos) {
        this.core = core;
        this.recovery = recovery;
        this.releases = releases;
        this.nanos = nanos;
    }

    /**
     * A view with nodes arrived: the first of this start queues the start-up check. Not the confirmed one after the
     * window as well: endpoints of this node's certificate with no sandbox here, made after the start (QuotaE2ETest's
     * attacker), would be released 15 s in and the node's quota would be spent again. A restart inside an
     * unknown-outcome window is left to the next attach that finds the name taken.
     */
    void afterView() {
        if (startChecked.compareAndSet(false, true)) {
            soon();
        }
    }

    /**
     * A check a second from now, retried every 5 s while no manager answers. At most one waits at a time; one
     * already running cleared the flag before it asked the manager, so a later cause queues another.
     */
    void soon() {
        if (quickQueued.compareAndSet(false, true)) {
            schedule(Duration.ofSeconds(1), this::quick);
        }
    }

    /** An attach's manager call ended without an answer (any thread). */
    void afterUnknownOutcome() {
        soon();
        Duration w = window;
        settleAt.accumulateAndGet(nanos.getAsLong() + w.toNanos(), Math::max);
        if (settleQueued.compareAndSet(false, true)) {
            schedule(w, this::settle);
        }
    }

    /** A shorter window than {@link #UNKNOWN_OUTCOME_WINDOW} (tests; before the first attach). */
    void window(Duration w) {
        window = w;
    }

    /** When the confirmed check is due ({@link #nanos}; 0: none pending; tests). */
    long settleAt() {
        return settleAt.get();
    }

    /**
     * Releases the orphans in the manager's state; how many, {@link #IN_FLIGHT} or {@link #UNCONFIRMED}. Not on the
     * loop. {@code confirmed}: only a state a quorum confirmed counts (a stale one may lack a late commit).
     */
    int check(boolean confirmed) throws IOException {
        OwnEndpointsResponse own = core.api.get().ownEndpoints();
        if (confirmed && own.getPossiblyStale()) {
            return UNCONFIRMED;
        }
        var found = core.loop.call(() -> recovery.orphans(own.getEndpointsList()));
        if (found.isEmpty()) {
            return IN_FLIGHT;
        }
        List<PendingRelease> orphans = found.get();
        int released = 0;
        for (PendingRelease p : orphans) {
            if (releases.releaseNow(p)) {
                LOG.info("released orphan endpoint={} network={}", p.getEndpointId(), p.getNetworkId());
                released++;
            }
        }
        return released;
    }

    private void quick() {
        quickQueued.set(false);
        try {
            if (check(false) == IN_FLIGHT) {
                // e.g. an operator retrying right after the start: the check is only deferred, never dropped, or
                // an orphan of a kill before the first save would stay forever.
                schedule(Duration.ofSeconds(1), this::quick);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("orphan check failed, retrying in 5 s error={}", e.toString());
            schedule(Duration.ofSeconds(5), this::quick);
        }
    }

    /** The check once no write of unknown outcome can commit any more; rescheduled until one succeeds. */
    private void settle() {
        long due = settleAt.get();
        long left = due - nanos.getAsLong();
        if (left > 0) { // a later attach without an answer moved the time on
            schedule(Duration.ofNanos(left), this::settle);
            return;
        }
        try {
            int r = check(true);
            if (r < 0) {
                schedule(Duration.ofSeconds(r == IN_FLIGHT ? 1 : 5), this::settle);
                return;
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("orphan check after an attach without an answer failed, retrying in 5 s error={}", e.toString());
            schedule(Duration.ofSeconds(5), this::settle);
            return;
        }
        if (!settleAt.compareAndSet(due, 0)) {
            schedule(Duration.ZERO, this::settle); // one more came meanwhile: it gets its own wait
            return;
        }
        settleQueued.set(false);
        // One that came between the reset and the flag's clearing found the flag still set: its check is queued here.
        if (settleAt.get() != 0 && settleQueued.compareAndSet(false, true)) {
            schedule(Duration.ZERO, this::settle);
        }
    }

    private void schedule(Duration after, Runnable check) {
        core.loop.schedule("orphan check", after, () -> releases.background(check));
    }
}
