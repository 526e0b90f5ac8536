package io.jswarm.manager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.SessionDownstream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A stream that has not taken the last view holds one pending view, the newest; heartbeats are not held. */
class SessionViewBackpressureTest {
    final SessionRegistry registry = new SessionRegistry(() -> Instant.parse("2026-01-01T00:00:00Z"),
            Duration.ofSeconds(3), () -> { });

    static List<SessionDownstream> view(long index, int networks) {
        return ViewPages.split(ViewPagesTest.view(networks, 1000, index), 3000);
    }

    @Test
    void aBusyStreamGetsOnlyTheNewestViewOnceReady() {
        SessionRegistryTest.FakeStream out = new SessionRegistryTest.FakeStream();
        var s = registry.open("n1", out);
        s.sendView(view(1, 5));
        int first = out.sent.size();
        assertEquals(view(1, 5).size(), first, "a ready stream takes every page at once");
        out.ready = false;
        for (long i = 2; i <= 50; i++) {
            registry.broadcastView(view(i, 5));
        }
        registry.tick(Duration.ofSeconds(1)); // heartbeats still go
        assertEquals(first + 1, out.sent.size(), "only the heartbeat went while the stream was busy");
        out.ready = true;
        s.ready();
        List<SessionDownstream> after = List.copyOf(out.sent.subList(first + 1, out.sent.size()));
        ViewPages.Assembler a = new ViewPages.Assembler();
        ClusterView got = null;
        for (SessionDownstream m : after) {
            got = a.offer(m.getViewPage()).orElse(got);
        }
        assertEquals(view(50, 5).size(), after.size(), "exactly one view, whole");
        assertEquals(50, got.getStateIndex(), "the newest");
        s.ready();
        assertEquals(first + 1 + after.size(), out.sent.size(), "nothing left pending");
    }
}
