package io.jswarm.gossip.internal;

import io.jswarm.gossip.transport.ProbeResult;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fast path of failure detection: after a member's connection broke (or a dial was refused), probe its
 * gossip address {@code probes} times, {@code interval} apart; only if every probe is actively refused is the
 * member confirmed dead. Any accepted connect or any unanswered one ends the check without a verdict, so
 * slowness is always left to SWIM's suspicion timeout. All methods and callbacks run on {@code executor}
 * (single-threaded); not thread-safe otherwise.
 */
public final class DeathConfirmer {
    private static final Logger LOG = LoggerFactory.getLogger(DeathConfirmer.class);

    /** What a check ended with, for metrics. */
    public enum Outcome { CONFIRMED, ALIVE, INCONCLUSIVE, CANCELLED }

    private final int probes;
    private final Duration interval;
    private final Function<String, CompletableFuture<ProbeResult>> prober;
    private final ScheduledExecutorService executor;
    private final BiConsumer<String, String> onConfirmed;
    private final BiConsumer<String, Outcome> onOutcome;
    private final Map<String, Check> running = new HashMap<>();

    /**
     * @param prober      one direct probe of an address ("ip:port")
     * @param onConfirmed (nodeId, address) once every probe was refused
     * @param onOutcome   (nodeId, outcome) for every finished check
     */
    public DeathConfirmer(int probes, Duration interval, Function<String, CompletableFuture<ProbeResult>> prober,
                          ScheduledExecutorService executor, BiConsumer<String, String> onConfirmed,
                          BiConsumer<String, Outcome> onOutcome) {
        if (probes < 1) {
            throw new IllegalArgumentException("probes must be >= 1");
        }
        this.probes = probes;
        this.interval = Objects.requireNonNull(interval);
        this.prober = Objects.requireNonNull(prober);
        this.executor = Objects.requireNonNull(executor);
        this.onConfirmed = Objects.requireNonNull(onConfirmed);
        this.onOutcome = Objects.requireNonNull(onOutcome);
    }

    /** Starts a check of {@code nodeId} at {@code address} unless one is already running. */
    public void suspect(String nodeId, String address) {
        if (running.containsKey(nodeId)) {
            return;
        }
        Check c = new Check(nodeId, address);
        running.put(nodeId, c);
        LOG.debug("fast death check started node={} address={}", nodeId, address);
        probe(c);
    }

    /** Abandons a running check, e.g. because the member was removed or re-admitted meanwhile. */
    public void cancel(String nodeId) {
        Check c = running.remove(nodeId);
        if (c != null) {
            onOutcome.accept(nodeId, Outcome.CANCELLED);
        }
    }

    public boolean isChecking(String nodeId) {
        return running.containsKey(nodeId);
    }

    private void probe(Check c) {
        Executor onLoop = executor;
        CompletableFuture<ProbeResult> attempt;
        try {
            attempt = prober.apply(c.address);
        } catch (RuntimeException e) { // e.g. an unparseable address: no evidence, and never a stuck check
            attempt = CompletableFuture.failedFuture(e);
        }
        attempt.whenCompleteAsync((result, err) -> {
            if (running.get(c.nodeId) != c) {
                return; // cancelled meanwhile
            }
            ProbeResult r = err != null ? ProbeResult.INCONCLUSIVE : result;
            switch (r) {
                case REFUSED -> {
                    c.refusals++;
                    if (c.refusals >= probes) {
                        running.remove(c.nodeId);
                        LOG.info("member confirmed dead node={} address={} refusedProbes={}", c.nodeId, c.address,
                                c.refusals);
                        onConfirmed.accept(c.nodeId, c.address);
                        finish(c, Outcome.CONFIRMED); // outcome last: observers see the verdict applied
                    } else {
                        executor.schedule(() -> {
                            if (running.get(c.nodeId) == c) {
                                probe(c);
                            }
                        }, interval.toMillis(), TimeUnit.MILLISECONDS);
                    }
                }
                case CONNECTED -> finish(c, Outcome.ALIVE);
                case INCONCLUSIVE -> finish(c, Outcome.INCONCLUSIVE);
            }
        }, onLoop);
    }

    private void finish(Check c, Outcome outcome) {
        running.remove(c.nodeId);
        if (outcome != Outcome.CONFIRMED) {
            LOG.debug("fast death check ended node={} outcome={} (left to SWIM)", c.nodeId, outcome);
        }
        onOutcome.accept(c.nodeId, outcome);
    }

    private static final class Check {
        final String nodeId;
        final String address;
        int refusals;

        Check(String nodeId, String address) {
            this.nodeId = nodeId;
            this.address = address;
        }
    }
}
