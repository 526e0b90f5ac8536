package io.jswarm.manager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.stub.ServerCallStreamObserver;
import io.jswarm.manager.api.NodeHealth.Liveness;
import io.jswarm.proto.cluster.SessionDownstream;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SessionRegistryTest {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    final InstantSource clock = () -> now;
    final AtomicInteger changes = new AtomicInteger();
    final SessionRegistry registry = new SessionRegistry(clock, Duration.ofSeconds(3), changes::incrementAndGet);

    @Test
    void aliveWhileTheStreamLivesDeadWhenItCloses() {
        assertEquals(Liveness.UNKNOWN, registry.liveness("n1"), "no verdict during the start-up grace period");
        FakeStream out = new FakeStream();
        var s = registry.open("n1", out);
        assertEquals(Liveness.ALIVE, registry.liveness("n1"));
        registry.closed(s, "broken");
        assertEquals(Liveness.DEAD, registry.liveness("n1"));
        assertEquals(2, changes.get());
    }

    @Test
    void silenceBeyondTheTimeoutKillsTheSession() {
        FakeStream out = new FakeStream();
        var s = registry.open("n1", out);
        now = now.plusSeconds(2);
        registry.touch(s);
        now = now.plusSeconds(2);
        registry.tick(Duration.ofSeconds(1));
        assertEquals(Liveness.ALIVE, registry.liveness("n1"), "heard from 2 s ago");
        assertEquals(1, out.sent.size(), "a heartbeat was sent");
        now = now.plusSeconds(2);
        registry.tick(Duration.ofSeconds(1));
        assertEquals(Liveness.DEAD, registry.liveness("n1"));
        assertTrue(out.error != null, "the stream was closed with an error");
    }

    @Test
    void aNewerSessionReplacesTheOlderOne() {
        FakeStream first = new FakeStream();
        var old = registry.open("n1", first);
        registry.open("n1", new FakeStream());
        assertTrue(first.error != null);
        registry.closed(old, "late close of the replaced stream");
        assertEquals(Liveness.ALIVE, registry.liveness("n1"), "closing the old stream must not kill the new session");
    }

    @Test
    void nodesNeverSeenAreDeadAfterTheGracePeriod() {
        now = now.plusSeconds(7);
        assertEquals(Liveness.DEAD, registry.liveness("never"));
    }

    @Test
    void combineLetsAnyDeathWin() {
        assertEquals(Liveness.DEAD, NodeHealth.combine(Liveness.ALIVE, Liveness.DEAD));
        assertEquals(Liveness.ALIVE, NodeHealth.combine(Liveness.ALIVE, Liveness.UNKNOWN));
        assertEquals(Liveness.UNKNOWN, NodeHealth.combine(Liveness.UNKNOWN));
    }

    static final class FakeStream extends ServerCallStreamObserver<SessionDownstream> {
        final List<SessionDownstream> sent = new ArrayList<>();
        Throwable error;
        boolean completed;

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void setOnCancelHandler(Runnable onCancelHandler) {
        }

        @Override
        public void setCompression(String compression) {
        }

        boolean ready = true;

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public void setOnReadyHandler(Runnable onReadyHandler) {
        }

        @Override
        public void request(int count) {
        }

        @Override
        public void setMessageCompression(boolean enable) {
        }

        @Override
        public void disableAutoInboundFlowControl() {
        }

        @Override
        public void onNext(SessionDownstream value) {
            sent.add(value);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {
            completed = true;
        }
    }
}
