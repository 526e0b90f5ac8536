package io.jswarm.vxlan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Many callers at once: every call still sees and leaves a consistent data plane. */
class KernelDataplaneConcurrencyTest {

    @Test
    void concurrentCallsConverge() throws Exception {
        DataplaneFixture f = new DataplaneFixture();
        int networks = 8;
        ExecutorService pool = Executors.newFixedThreadPool(networks + 1);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> results = new ArrayList<>();
        try {
            for (int n = 0; n < networks; n++) {
                int i = n;
                results.add(pool.submit(() -> {
                    start.await();
                    String id = "net" + i;
                    NetworkSpec spec = NetworkSpec.of(id, 5000 + i, "10." + (i + 1) + ".0.1/24", DataplaneFixture.VTEP);
                    f.dataplane.ensureNetwork(spec);
                    f.dataplane.ensureEndpoint(new EndpointSpec("ep" + i, id, Netns.named("jsdp-c" + i), true, "eth0",
                            IpPrefix.parse("10." + (i + 1) + ".0.5/24"), null));
                    for (int p = 10; p < 60; p++) {
                        f.dataplane.upsertPeers(id, List.of(DataplaneFixture.peer("10." + (i + 1) + ".0." + p,
                                String.format("02:42:0a:%02x:00:%02x", i + 1, p), DataplaneFixture.REMOTE_VTEP)));
                    }
                    f.dataplane.removePeers(id, List.of(DataplaneFixture.ip("10." + (i + 1) + ".0.10")));
                    return null;
                }));
            }
            results.add(pool.submit(() -> {
                start.await();
                for (int r = 0; r < 20; r++) {
                    f.dataplane.reconcile(); // must not trip over half-made networks
                }
                return null;
            }));
            start.countDown();
            for (Future<?> r : results) {
                r.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(f.dataplane.reconcile().clean());
        for (int i = 0; i < networks; i++) {
            assertEquals(49, f.remoteFdb(Netns.at(f.config.networkNamespace("net" + i))).size());
        }
    }
}
