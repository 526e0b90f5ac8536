package io.jswarm.gossip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jswarm.gossip.transport.ProbeResult;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Only an unbroken run of refusals is a verdict; anything else hands the member back to SWIM. */
class DeathConfirmerTest {
    private final ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor();
    private final List<String> confirmed = new CopyOnWriteArrayList<>();
    private final List<DeathConfirmer.Outcome> outcomes = new CopyOnWriteArrayList<>();
    private final Deque<ProbeResult> script = new ArrayDeque<>();
    private final List<String> probed = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        exec.shutdownNow();
    }

    private DeathConfirmer confirmer() {
        return new DeathConfirmer(3, Duration.ofMillis(10), address -> {
            probed.add(address);
            return CompletableFuture.completedFuture(script.isEmpty() ? ProbeResult.INCONCLUSIVE : script.poll());
        }, exec, (node, address) -> confirmed.add(node + "@" + address), (node, o) -> outcomes.add(o));
    }

    private void runAndSettle(Runnable r) throws Exception {
        exec.submit(r).get(5, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (outcomes.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    @Test
    void allRefusedConfirms() throws Exception {
        script.addAll(List.of(ProbeResult.REFUSED, ProbeResult.REFUSED, ProbeResult.REFUSED));
        DeathConfirmer c = confirmer();
        runAndSettle(() -> c.suspect("n1", "127.0.0.1:9"));
        assertEquals(List.of("n1@127.0.0.1:9"), confirmed);
        assertEquals(List.of(DeathConfirmer.Outcome.CONFIRMED), outcomes);
        assertEquals(3, probed.size());
    }

    @Test
    void oneAcceptedConnectMeansAlive() throws Exception {
        script.addAll(List.of(ProbeResult.REFUSED, ProbeResult.CONNECTED, ProbeResult.REFUSED));
        DeathConfirmer c = confirmer();
        runAndSettle(() -> c.suspect("n1", "a"));
        assertEquals(List.of(), confirmed);
        assertEquals(List.of(DeathConfirmer.Outcome.ALIVE), outcomes);
    }

    @Test
    void timeoutIsNoEvidence() throws Exception {
        script.addAll(List.of(ProbeResult.REFUSED, ProbeResult.INCONCLUSIVE));
        DeathConfirmer c = confirmer();
        runAndSettle(() -> c.suspect("n1", "a"));
        assertEquals(List.of(), confirmed);
        assertEquals(List.of(DeathConfirmer.Outcome.INCONCLUSIVE), outcomes);
    }

    @Test
    void cancelledCheckNeverConfirms() throws Exception {
        CompletableFuture<ProbeResult> never = new CompletableFuture<>();
        DeathConfirmer c = new DeathConfirmer(1, Duration.ofMillis(10), a -> never, exec,
                (n, a) -> confirmed.add(n), (n, o) -> outcomes.add(o));
        exec.submit(() -> c.suspect("n1", "a")).get();
        exec.submit(() -> c.cancel("n1")).get();
        never.complete(ProbeResult.REFUSED);
        Thread.sleep(50);
        assertEquals(List.of(), confirmed);
        assertEquals(List.of(DeathConfirmer.Outcome.CANCELLED), outcomes);
    }
}
