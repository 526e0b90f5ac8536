package io.jswarm.gossip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.encryption.Role;
import io.jswarm.gossip.MemberInfo;
import io.jswarm.gossip.MembershipEvent;
import io.jswarm.gossip.MembershipEvent.Cause;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Event translation, causes and flap damping; every call runs on the view's own thread, as in production. */
class MemberViewTest {
    private final ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor();
    private final List<MembershipEvent> out = new CopyOnWriteArrayList<>();
    private final AtomicLong now = new AtomicLong();
    private final MemberView view = new MemberView(Duration.ofMillis(300), exec, out::add, now::get);

    @AfterEach
    void stop() {
        exec.shutdownNow();
    }

    private static MemberInfo info(long version) {
        return new MemberInfo("n1", Role.WORKER, InetAddress.ofLiteral("10.0.0.1"),
                new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 1), version);
    }

    private void on(Runnable r) throws Exception {
        exec.submit(r).get(5, TimeUnit.SECONDS);
    }

    @Test
    void joinUpdateLeaveRemoveInOrderWithCause() throws Exception {
        on(() -> view.added("n1", "k", "127.0.0.1:1", info(0), 1));
        on(() -> view.updated("n1", "k", "127.0.0.1:1", info(1), 1));
        on(() -> view.leaving("n1"));
        on(() -> view.leaving("n1")); // duplicates are dropped
        on(() -> view.removed("n1"));
        assertEquals(List.of(new MembershipEvent.Joined(info(0)), new MembershipEvent.Updated(info(0), info(1)),
                new MembershipEvent.Leaving(info(1)), new MembershipEvent.Removed(info(1), Cause.LEFT)), out);
    }

    @Test
    void removalCauses() throws Exception {
        on(() -> view.added("n1", "k", "a", info(0), 1));
        on(() -> view.confirmedDead("n1"));
        on(() -> view.removed("n1"));
        on(() -> view.added("n1", "k", "a", info(0), 2)); // restart: new session, admitted at once
        on(() -> view.removed("n1"));
        assertEquals(Cause.CONFIRMED_DEAD, ((MembershipEvent.Removed) out.get(1)).cause());
        assertInstanceOf(MembershipEvent.Joined.class, out.get(2));
        assertEquals(Cause.SUSPICION_TIMEOUT, ((MembershipEvent.Removed) out.get(3)).cause());
    }

    @Test
    void sameProcessFlappingIsHeldDownThenAdmittedOnce() throws Exception {
        on(() -> view.added("n1", "k", "a", info(0), 7));
        on(() -> view.removed("n1"));
        now.addAndGet(Duration.ofMillis(50).toNanos());
        on(() -> view.added("n1", "k", "a", info(0), 7)); // same session 50 ms later: a flap
        on(() -> view.removed("n1"));
        on(() -> view.added("n1", "k", "a", info(0), 7));
        assertEquals(2, out.size(), "held down: " + out);
        assertTrue(view.admitted().isEmpty());
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (out.size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(new MembershipEvent.Joined(info(0)), out.get(2));
        assertEquals(3, out.size());
        on(() -> assertEquals(1, view.admitted().size()));
        assertEquals(2, view.flapsDamped());
    }

    @Test
    void leavingWithoutMetadataIsInvisible() throws Exception {
        on(() -> view.added("n1", "k", "a", null, 0));
        on(() -> view.leaving("n1"));
        on(() -> view.removed("n1"));
        assertTrue(out.isEmpty());
    }
}
