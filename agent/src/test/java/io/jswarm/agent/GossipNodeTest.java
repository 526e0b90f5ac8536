package io.jswarm.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jswarm.encryption.Role;
import io.jswarm.gossip.MemberInfo;
import io.jswarm.gossip.MembershipEvent;
import io.jswarm.manager.api.NodeHealth;
import io.jswarm.manager.api.NodeHealth.Liveness;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The status rules gossip feeds into {@code node ls}, without a network (events are injected). */
class GossipNodeTest {
    final AtomicInteger changes = new AtomicInteger();
    final GossipNode node = new GossipNode(null, 7946, new SimpleMeterRegistry(), changes::incrementAndGet);

    static MemberInfo member(String id, long version) throws Exception {
        InetAddress a = InetAddress.getByName("192.0.2.12");
        return new MemberInfo(id, Role.WORKER, a, new InetSocketAddress(a, 7946), version);
    }

    @Test
    void removedIsDownEvenWithASessionAndReadyOnlyOnceAMemberAgain() throws Exception {
        assertEquals(Liveness.UNKNOWN, node.liveness("w1"), "never seen: the session alone decides");
        node.onEvent(new MembershipEvent.Joined(member("w1", 0)));
        assertEquals(Liveness.ALIVE, node.liveness("w1"));
        assertEquals(Liveness.ALIVE, NodeHealth.combine(Liveness.ALIVE, node.liveness("w1")));

        node.onEvent(new MembershipEvent.Removed(member("w1", 0), MembershipEvent.Cause.CONFIRMED_DEAD));
        // Fast path: the session may still look alive for a moment, the removal wins.
        assertEquals(Liveness.DEAD, NodeHealth.combine(Liveness.ALIVE, node.liveness("w1")));
        assertEquals(2, changes.get(), "each verdict change pushes a view");

        node.onEvent(new MembershipEvent.Joined(member("w1", 0))); // same identity, new process: no join needed
        assertEquals(Liveness.ALIVE, NodeHealth.combine(Liveness.ALIVE, node.liveness("w1")));
        assertEquals(Liveness.DEAD, NodeHealth.combine(Liveness.DEAD, node.liveness("w1")), "no session: Down");
        assertEquals(1, node.describe().getRemovals());
        assertEquals(2, node.describe().getJoins());
    }

    @Test
    void leavingAndUpdatesDoNotFlapTheStatus() throws Exception {
        node.onEvent(new MembershipEvent.Joined(member("w2", 0)));
        node.onEvent(new MembershipEvent.Updated(member("w2", 0), member("w2", 1)));
        node.onEvent(new MembershipEvent.Leaving(member("w2", 1)));
        assertEquals(Liveness.ALIVE, node.liveness("w2"));
        assertEquals(1, changes.get());
        node.onEvent(new MembershipEvent.Removed(member("w2", 1), MembershipEvent.Cause.SUSPICION_TIMEOUT));
        assertEquals(Liveness.DEAD, node.liveness("w2"));
        assertEquals(1, node.describe().getSuspicionRemovals());
        assertEquals(false, node.describe().getRunning());
    }
}
