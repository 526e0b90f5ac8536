package io.jswarm.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rejoin knobs: presets, the older constructor's defaults, and refusals. */
class MembershipConfigTest {
    private static final InetSocketAddress ADV = new InetSocketAddress(InetAddress.ofLiteral("192.0.2.11"), 7946);

    @Test
    void presetsSeekLostMembersTwiceASecondOnALan() {
        assertEquals(Duration.ofMillis(500), MembershipConfig.lan(ADV).rejoinInterval());
        assertEquals(Duration.ofMinutes(30), MembershipConfig.lan(ADV).rejoinWindow());
        assertEquals(Duration.ofMillis(1500), MembershipConfig.wan(ADV).rejoinInterval());
        var c = MembershipConfig.lan(ADV).withRejoin(Duration.ofSeconds(1), Duration.ZERO);
        assertEquals(Duration.ofSeconds(1), c.rejoinInterval());
        assertEquals(Duration.ZERO, c.rejoinWindow());
        assertEquals(Duration.ofSeconds(1), c.withSeeds(List.of(ADV)).rejoinInterval(), "copiers keep it");
    }

    @Test
    void theConstructorWithoutTheRejoinPairTakesTheLanValues() {
        var l = MembershipConfig.lan(ADV);
        var c = new MembershipConfig(ADV, List.of(), l.pingInterval(), l.pingTimeout(), l.pingReqMembers(),
                l.suspicionMult(), l.syncInterval(), l.syncTimeout(), l.gossipInterval(), l.gossipFanout(),
                l.gossipRepeatMult(), l.metadataTimeout(), l.connectTimeout(), l.maxFrameLength(), l.deathProbes(),
                l.deathProbeInterval(), l.deathProbeTimeout(), l.flapHoldDown());
        assertEquals(l, c);
    }

    @Test
    void badRejoinKnobsAreRefused() {
        var l = MembershipConfig.lan(ADV);
        assertThrows(IllegalArgumentException.class, () -> l.withRejoin(Duration.ofMillis(99), Duration.ofMinutes(1)));
        assertThrows(IllegalArgumentException.class, () -> l.withRejoin(Duration.ofSeconds(1), Duration.ofSeconds(-1)));
        assertThrows(NullPointerException.class, () -> l.withRejoin(Duration.ofSeconds(1), null));
    }
}
