package io.jswarm.agent.net;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What operators watch of the agent, on the daemon's {@code /metrics}: attach latency (histogram) and
 * failures, reconcile runs and repairs, endpoint-table sizes and anti-entropy repairs per network, releases
 * the manager has not confirmed. Written on the {@link AgentLoop} or the attaching thread; read by the metrics thread through
 * atomics only.
 */
final class AgentMetrics {
    private final MeterRegistry registry;
    private final Timer attach;
    private final Counter attachFailures;
    private final Counter reconciles;
    private final Counter repairs;
    private final AtomicInteger pendingReleases = new AtomicInteger();
    private final Gauge releases;
    private final AtomicInteger freeLeases = new AtomicInteger();
    private final AtomicInteger pendingClaims = new AtomicInteger();
    private final Gauge leases;
    private final Gauge claims;
    private final Map<String, AtomicInteger> tableSizes = new ConcurrentHashMap<>();
    private final AtomicInteger ipsecSas = new AtomicInteger();
    private final Gauge sas;
    private final Counter softExpires;
    private final Counter hardExpires;
    private final Counter rotations;
    private volatile io.micrometer.core.instrument.Meter refused;
    private volatile java.util.function.Supplier<Map<String, Long>> antiEntropyRepairs = Map::of;

    AgentMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.attach = Timer.builder("jswarm.network.attach").description("attach/connect until the endpoint is "
                + "in the kernel, the DNS and the table").publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
        this.attachFailures = Counter.builder("jswarm.network.attach.failures").register(registry);
        this.reconciles = Counter.builder("jswarm.reconcile.runs").register(registry);
        this.repairs = Counter.builder("jswarm.reconcile.repairs").description("kernel differences repaired")
                .register(registry);
        this.releases = Gauge.builder("jswarm.network.releases.pending", pendingReleases, AtomicInteger::get)
                .description("addresses gone here that the manager has not confirmed released").register(registry);
        this.leases = Gauge.builder("jswarm.network.leases.free", freeLeases, AtomicInteger::get)
                .description("leased addresses this node can attach with while no manager answers (issue 12)")
                .register(registry);
        this.claims = Gauge.builder("jswarm.network.lease.claims.pending", pendingClaims, AtomicInteger::get)
                .description("endpoints attached from a lease that the manager has not confirmed yet").register(registry);
        this.sas = Gauge.builder("jswarm.ipsec.sas", ipsecSas, AtomicInteger::get)
                .description("ESP SAs this node asked its kernel to hold (in + out, per peer and live generation)")
                .register(registry);
        this.softExpires = Counter.builder("jswarm.ipsec.expires").tag("limit", "soft")
                .description("XFRM expire events on jswarm's SAs").register(registry);
        this.hardExpires = Counter.builder("jswarm.ipsec.expires").tag("limit", "hard")
                .description("XFRM expire events on jswarm's SAs").register(registry);
        this.rotations = Counter.builder("jswarm.ipsec.rotations.requested")
                .description("key rotations this node asked the manager for (a soft limit reached)").register(registry);
    }

    void ipsecSas(int n) {
        ipsecSas.set(n);
    }

    void ipsecExpired(boolean hard) {
        (hard ? hardExpires : softExpires).increment();
    }

    void rotationRequested() {
        rotations.increment();
    }

    /** Received table entries refused (forged, altered, from the future, not granted): a counter read on scrape. */
    void refusedEntries(java.util.function.LongSupplier count) {
        refused = io.micrometer.core.instrument.FunctionCounter.builder("jswarm.table.entries.refused", count,
                c -> (double) c.getAsLong()).description("received table entries refused by the authority check "
                        + "or the clock bound").register(registry);
    }

    /** Removes this agent's meters (a later agent of the same daemon, after leave and join, registers anew). */
    void close() {
        java.util.List.of(attach, attachFailures, reconciles, repairs, releases, leases, claims, sas, softExpires, hardExpires, rotations)
                .forEach(registry::remove);
        if (refused != null) {
            registry.remove(refused);
        }
        java.util.List.copyOf(tableSizes.keySet()).forEach(n -> tableSize(n, -1));
    }

    void attached(Duration took) {
        attach.record(took);
    }

    void attachFailed() {
        attachFailures.increment();
    }

    void reconciled(int repaired) {
        reconciles.increment();
        repairs.increment(repaired);
    }

    void leases(int free, int claimsPending) {
        freeLeases.set(free);
        pendingClaims.set(claimsPending);
    }

    void pendingReleases(int n) {
        pendingReleases.set(n);
    }

    /** Where the per-network anti-entropy repair counts come from (the replicator, once there is one). */
    void antiEntropyRepairsFrom(java.util.function.Supplier<Map<String, Long>> source) {
        antiEntropyRepairs = source;
    }

    /** The visible entries of a network's table ({@code -1}: left, the gauge and the repair counter go). */
    void tableSize(String network, int entries) {
        if (entries < 0) {
            AtomicInteger gone = tableSizes.remove(network);
            if (gone != null) {
                registry.find("jswarm.endpoint.table.entries").tag("network", network).meters()
                        .forEach(registry::remove);
                registry.find("jswarm.table.antientropy.repairs").tag("network", network).meters()
                        .forEach(registry::remove);
            }
            return;
        }
        tableSizes.computeIfAbsent(network, n -> {
            AtomicInteger a = new AtomicInteger();
            Gauge.builder("jswarm.endpoint.table.entries", a, AtomicInteger::get).tag("network", n)
                    .description("visible entries of the network's endpoint table on this node").register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder("jswarm.table.antientropy.repairs", this,
                            m -> m.antiEntropyRepairs.get().getOrDefault(n, 0L))
                    .tag("network", n).description("entries of the network's table that anti-entropy pages changed on "
                            + "this node (what direct events had not brought)").register(registry);
            return a;
        }).set(entries);
    }
}
