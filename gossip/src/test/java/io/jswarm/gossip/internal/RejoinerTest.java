package io.jswarm.gossip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Whom the rejoin rounds seek, stepped by hand on an injected clock. */
class RejoinerTest {
    private static final List<String> SEEDS = List.of("192.0.2.11:7946", "192.0.2.13:7946");
    private static final String SELF = "192.0.2.13:7946";
    private final AtomicLong now = new AtomicLong();
    private final Rejoiner rejoiner = new Rejoiner(Duration.ofMinutes(30), now::get);

    @Test
    void aLostMemberIsSoughtUntilItIsBack() {
        rejoiner.lost("n2", "192.0.2.12:7946");
        assertEquals(List.of("192.0.2.12:7946"), rejoiner.targets(false, SEEDS, SELF));
        assertEquals(List.of("192.0.2.12:7946"), rejoiner.targets(false, SEEDS, SELF), "every round, not once");
        rejoiner.settled("n2");
        assertEquals(List.of(), rejoiner.targets(false, SEEDS, SELF));
    }

    @Test
    void aLostMemberIsForgottenAfterTheWindow() {
        rejoiner.lost("n2", "192.0.2.12:7946");
        now.addAndGet(Duration.ofMinutes(30).toNanos());
        assertEquals(List.of("192.0.2.12:7946"), rejoiner.targets(false, SEEDS, SELF), "still within the window");
        now.incrementAndGet();
        assertEquals(List.of(), rejoiner.targets(false, SEEDS, SELF));
        assertEquals(Set.of(), rejoiner.sought());
    }

    @Test
    void aLaterLossRestartsTheWindow() {
        rejoiner.lost("n2", "192.0.2.12:7946");
        now.addAndGet(Duration.ofMinutes(20).toNanos());
        rejoiner.settled("n2");
        rejoiner.lost("n2", "192.0.2.22:7946"); // back, then lost again, at a new address
        now.addAndGet(Duration.ofMinutes(20).toNanos());
        assertEquals(List.of("192.0.2.22:7946"), rejoiner.targets(false, SEEDS, SELF));
    }

    @Test
    void aNodeWithoutMembersAlsoSeeksItsSeedsButNotItself() {
        rejoiner.lost("n1", "192.0.2.11:7946");
        assertEquals(List.of("192.0.2.11:7946"), rejoiner.targets(true, SEEDS, SELF), "each address once");
        assertEquals(List.of("192.0.2.11:7946"), rejoiner.targets(true, List.of(SELF, "192.0.2.11:7946"), SELF));
        rejoiner.settled("n1");
        assertEquals(List.of("192.0.2.11:7946"), rejoiner.targets(true, SEEDS, SELF));
        assertEquals(List.of(), rejoiner.targets(false, SEEDS, SELF), "with members, seeds are scalecube's business");
    }

    @Test
    void aZeroWindowDisablesEverything() {
        Rejoiner off = new Rejoiner(Duration.ZERO, now::get);
        off.lost("n2", "192.0.2.12:7946");
        assertEquals(List.of(), off.targets(true, SEEDS, SELF));
    }

    @Test
    void aSuspectIsSoughtOncePerSuspicionAndOnlyForItsBound() {
        Duration bound = Duration.ofSeconds(15);
        assertEquals(true, rejoiner.suspected("n2", 3, "192.0.2.12:7946", bound));
        assertEquals(false, rejoiner.suspected("n2", 3, "192.0.2.12:7946", bound), "the same gossip again");
        assertEquals(List.of("192.0.2.12:7946"), rejoiner.targets(false, SEEDS, SELF));
        now.addAndGet(bound.toNanos() + 1);
        assertEquals(List.of(), rejoiner.targets(false, SEEDS, SELF), "refuted or not, the episode is over");
        assertEquals(true, rejoiner.suspected("n2", 4, "192.0.2.12:7946", bound), "a later suspicion is new");
    }

    @Test
    void aSuspicionNeitherShortensNorRestartsTheSearchForARemovedMember() {
        rejoiner.lost("n2", "192.0.2.12:7946");
        assertEquals(false, rejoiner.suspected("n2", 7, "192.0.2.12:7946", Duration.ofSeconds(1)));
        now.addAndGet(Duration.ofMinutes(10).toNanos());
        assertEquals(List.of("192.0.2.12:7946"), rejoiner.targets(false, SEEDS, SELF));
    }

    @Test
    void aSuspectThatIsRemovedIsSoughtForTheWholeWindow() {
        rejoiner.suspected("n2", 1, "192.0.2.12:7946", Duration.ofSeconds(15));
        rejoiner.lost("n2", "192.0.2.12:7946");
        now.addAndGet(Duration.ofMinutes(10).toNanos());
        assertEquals(List.of("192.0.2.12:7946"), rejoiner.targets(false, SEEDS, SELF));
    }

    @Test
    void aSuspectReachedOnceIsNoLongerSoughtButARemovedMemberIs() {
        rejoiner.suspected("n2", 3, "192.0.2.12:7946", Duration.ofSeconds(15));
        rejoiner.lost("n3", "192.0.2.13:7946");
        rejoiner.reached("192.0.2.12:7946");
        rejoiner.reached("192.0.2.13:7946");
        assertEquals(List.of("192.0.2.13:7946"), rejoiner.targets(false, SEEDS, SELF));
        assertEquals(false, rejoiner.suspected("n2", 3, "192.0.2.12:7946", Duration.ofSeconds(15)),
                "the same suspicion does not start again");
        assertEquals(Set.of("n3"), rejoiner.sought());
    }
}
