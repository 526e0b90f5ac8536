package io.jswarm.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class KernelMetricsTest {
    @Test
    void operationsAndFailuresAreCountedByKindAndErrnoOnTheScrape() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        KernelMetrics m = new KernelMetrics(registry);
        m.operations("SetNeighbor", 3);
        m.operations("SetNeighbor", 2);
        m.operations("dump.links", 1);
        m.failure("SetNeighbor", "EINVAL");
        m.failure("SetNeighbor", "EINVAL");

        assertEquals(5.0, registry.get("jswarm.kernel.operations").tag("kind", "SetNeighbor").counter().count());
        assertEquals(2.0, registry.get("jswarm.kernel.failures").tag("kind", "SetNeighbor").tag("errno", "EINVAL")
                .counter().count());
        String scrape = registry.scrape();
        assertTrue(scrape.contains("jswarm_kernel_operations_total{kind=\"dump.links\"} 1.0"), scrape);
    }
}
