package io.jswarm.agent;

import io.jswarm.vxlan.kernel.KernelListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The data plane's kernel work on {@code /metrics}: {@code jswarm_kernel_operations_total{kind}} (changes by
 * record name, dumps, announcements, namespace creations and deletions) and
 * {@code jswarm_kernel_failures_total{kind,errno}}. Counters are made on first use and cached: the listener
 * runs on the callers' threads, once per kind and batch.
 */
final class KernelMetrics implements KernelListener {
    private final MeterRegistry registry;
    private final Map<String, Counter> operations = new ConcurrentHashMap<>();
    private final Map<String, Counter> failures = new ConcurrentHashMap<>();

    KernelMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void operations(String kind, int count) {
        operations.computeIfAbsent(kind, k -> Counter.builder("jswarm.kernel.operations").tag("kind", k)
                .description("Kernel operations the data plane attempted").register(registry)).increment(count);
    }

    @Override
    public void failure(String kind, String errnoName) {
        failures.computeIfAbsent(kind + " " + errnoName, k -> Counter.builder("jswarm.kernel.failures")
                .tag("kind", kind).tag("errno", errnoName)
                .description("Kernel operations that failed, by errno").register(registry)).increment();
    }
}
