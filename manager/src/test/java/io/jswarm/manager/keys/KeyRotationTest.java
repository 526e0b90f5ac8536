package io.jswarm.manager.keys;

import io.jswarm.manager.state.StateStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.encryption.SecretSeal;
import io.jswarm.manager.state.LocalCommandLog;
import io.jswarm.manager.state.ManagerStore;
import io.jswarm.manager.state.StateView;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.AddressPool;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.DataKey;
import io.jswarm.proto.state.InitCluster;
import io.jswarm.proto.state.RemoveNode;
import io.jswarm.proto.state.Role;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rotation driver over a real store and state machine, a hand-moved clock and a scripted view of acks. */
class KeyRotationTest {
    @TempDir
    Path dir;

    private ManagerStore store;
    private final Clock clock = new Clock();
    private final Set<String> ready = new LinkedHashSet<>(List.of("m1", "w1", "w2"));
    private final Map<String, Long> acks = new HashMap<>();
    private final List<String> reasons = new ArrayList<>();
    private int pushes;
    private final RootSeal seal = new RootSeal(new SecretSeal(new byte[32], new SecureRandom()), "c1");

    static final class Clock implements InstantSource {
        Instant now = Instant.parse("2026-12-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    private final KeyRotation.Port port = new KeyRotation.Port() {
        @Override
        public StateView view() {
            return store.view();
        }

        @Override
        public Optional<Long> submit(Command command) {
            try {
                if (store.submit(command) instanceof StateStore.Outcome.Committed c) {
                    if (command.hasAddDataKey()) {
                        reasons.add(command.getAddDataKey().getKey().getGeneration() + " " + command.getAddDataKey().getReason());
                    }
                    return Optional.of(c.index());
                }
                return Optional.empty();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public Collection<String> readyNodes() {
            return ready;
        }

        @Override
        public long installed(String nodeId) {
            return acks.getOrDefault(nodeId, 0L);
        }

        @Override
        public void keysChanged() {
            pushes++;
        }
    };

    private KeyRotation driver;

    @BeforeEach
    void setUp() throws IOException {
        store = ManagerStore.open(LocalCommandLog.open(dir.resolve("raft")), 1000);
        store.submit(Command.newBuilder().setInitCluster(InitCluster.newBuilder().setClusterId("c1")
                .setDefaultAddressPool(AddressPool.newBuilder().addCidrs("10.0.0.0/8").setMaskLength(24))).build());
        for (String id : List.of("m1", "w1", "w2")) {
            store.submit(Command.newBuilder().setAddNode(AddNode.newBuilder().setNodeId(id).setRole(Role.ROLE_WORKER)
                    .setDataPathAddr("192.0.2." + (10 + reasons.size()))).build());
        }
        driver = newDriver();
    }

    @AfterEach
    void tearDown() throws IOException {
        store.close();
    }

    private KeyRotation newDriver() {
        return new KeyRotation(KeyRotationConfig.DEFAULTS, clock, new SecureRandom(), seal, port);
    }

    private List<String> phases() {
        return store.view().dataKeys().stream().map(k -> k.getGeneration() + ":" + k.getPhase().name().substring(9)).toList();
    }

    private void ackAll(long index) {
        ready.forEach(n -> acks.put(n, index));
    }

    @Test
    void theFirstGenerationIsPrimaryAtOnceAndARestartAddsNone() {
        driver.start();
        assertEquals(List.of("1:PRIMARY"), phases());
        assertEquals(List.of("1 init"), reasons);
        assertEquals(1, pushes);
        newDriver().start();
        assertEquals(List.of("1:PRIMARY"), phases());
        // The root opens with the seal it was made with, bound to its generation.
        DataKey k = store.view().dataKeys().getFirst();
        assertEquals(32, seal.open(k).bytes().length);
        var other = new RootSeal(new SecretSeal(new byte[32], new SecureRandom()), "c2");
        assertTrue(assertInstanceOf(IllegalArgumentException.class, catchOpen(other, k)).getMessage().contains("does not open"));
    }

    private static Throwable catchOpen(RootSeal s, DataKey k) {
        try {
            s.open(k);
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    @Test
    void promotionWaitsForEveryReadyNodeThenTheOldGenerationIsRetiredAfterTheGrace() {
        driver.start();
        var started = assertInstanceOf(KeyRotation.Start.Started.class, driver.rotate("rotate-keys"));
        assertEquals(2, started.generation());
        long addIndex = store.view().index();
        assertEquals(List.of("1:PRIMARY", "2:INBOUND"), phases());
        acks.put("m1", addIndex);
        acks.put("w1", addIndex);
        acks.put("w2", addIndex - 1); // installed an older DataKeys only
        clock.advance(Duration.ofSeconds(29));
        driver.tick();
        assertEquals(List.of("1:PRIMARY", "2:INBOUND"), phases(), "w2 has not installed generation 2");
        acks.put("w2", addIndex + 3);
        driver.tick();
        assertEquals(List.of("1:RETIRING", "2:PRIMARY"), phases());
        clock.advance(Duration.ofSeconds(29));
        driver.tick();
        assertEquals(List.of("1:RETIRING", "2:PRIMARY"), phases(), "still received during the grace");
        clock.advance(Duration.ofSeconds(1));
        driver.tick();
        assertEquals(List.of("2:PRIMARY"), phases());
        assertEquals(4, pushes, "init, add, promote, retire: every change is pushed");
    }

    @Test
    void aNodeThatNeverAnswersDelaysPromotionOnlyUntilTheDeadline() {
        driver.start();
        driver.rotate("rotate-keys");
        acks.put("m1", store.view().index());
        acks.put("w1", store.view().index());
        clock.advance(Duration.ofSeconds(29));
        driver.tick();
        assertEquals(List.of("1:PRIMARY", "2:INBOUND"), phases());
        clock.advance(Duration.ofSeconds(1));
        driver.tick();
        assertEquals(List.of("1:RETIRING", "2:PRIMARY"), phases());
    }

    @Test
    void aNodeThatIsNotReadyDoesNotHoldThePromotion() {
        driver.start();
        driver.rotate("rotate-keys");
        ready.remove("w2");
        ackAll(store.view().index());
        driver.tick();
        assertEquals(List.of("1:RETIRING", "2:PRIMARY"), phases());
    }

    @Test
    void oneRotationAtATime() {
        driver.start();
        driver.rotate("rotate-keys");
        var refused = assertInstanceOf(KeyRotation.Start.NotStarted.class, driver.rotate("rotate-keys"));
        assertEquals("a key rotation is already under way (generation 2 is not promoted yet)", refused.why());
        assertEquals(List.of("1:PRIMARY", "2:INBOUND"), phases());
    }

    @Test
    void volumeRequestsCountOnlyForThePrimaryAndAtMostOncePerMinuteWhoeverAsks() {
        driver.start();
        assertInstanceOf(KeyRotation.Start.NotStarted.class, driver.volume("w1", 7), "not a live primary");
        assertInstanceOf(KeyRotation.Start.Started.class, driver.volume("w1", 1));
        ackAll(store.view().index());
        driver.tick(); // generation 2 promoted
        var limited = assertInstanceOf(KeyRotation.Start.NotStarted.class, driver.volume("w2", 2));
        assertTrue(limited.why().contains("less than 60 s ago"), limited.why());
        clock.advance(Duration.ofSeconds(59));
        assertInstanceOf(KeyRotation.Start.NotStarted.class, driver.volume("w1", 2));
        driver.tick(); // generation 1 retired (30 s grace)
        clock.advance(Duration.ofSeconds(1));
        assertInstanceOf(KeyRotation.Start.Started.class, driver.volume("w1", 2));
        assertEquals(List.of("1 init", "2 volume", "3 volume"), reasons);
    }

    @Test
    void aHostileNodeCannotRotateEndlessly() {
        driver.start();
        int started = 0;
        for (int second = 0; second < 600; second++) { // ten minutes of one request per second
            if (driver.volume("w2", store.view().primaryDataKey().orElseThrow().getGeneration()) instanceof KeyRotation.Start.Started) {
                started++;
            }
            ackAll(store.view().index());
            driver.tick();
            clock.advance(Duration.ofSeconds(1));
        }
        assertEquals(10, started);
    }

    @Test
    void aRemovedNodeStartsARotationQueuedBehindTheOneUnderWay() throws IOException {
        driver.start();
        driver.rotate("rotate-keys");
        store.submit(Command.newBuilder().setRemoveNode(RemoveNode.newBuilder().setNodeId("w2")).build());
        ready.remove("w2");
        driver.nodeRemoved("w2");
        assertEquals(List.of("1 init", "2 rotate-keys"), reasons);
        ackAll(store.view().index());
        driver.tick();
        assertEquals(List.of("1 init", "2 rotate-keys", "3 node-removed w2"), reasons, "started once 2 was promoted");
        assertEquals(List.of("1:RETIRING", "2:PRIMARY", "3:INBOUND"), phases());
        driver.nodeRemoved("w9");
        clock.advance(Duration.ofSeconds(30));
        ackAll(store.view().index());
        driver.tick(); // 3 promoted; 1 retired; the queued one starts as soon as two are no longer retiring
        clock.advance(Duration.ofSeconds(30));
        driver.tick();
        assertTrue(reasons.contains("4 node-removed w9"), reasons.toString());
    }

    @Test
    void theIntervalRotatesFromThePrimarysCreation() {
        driver.start();
        clock.advance(Duration.ofHours(12).minusSeconds(1));
        driver.tick();
        assertEquals(List.of("1:PRIMARY"), phases());
        clock.advance(Duration.ofSeconds(1));
        driver.tick();
        assertEquals(List.of("1 init", "2 interval"), reasons);
        ackAll(store.view().index());
        driver.tick();
        assertEquals(List.of("1:RETIRING", "2:PRIMARY"), phases());
        clock.advance(Duration.ofSeconds(30));
        driver.tick();
        assertEquals(List.of("1 init", "2 interval"), reasons, "the next interval counts from generation 2");
        clock.advance(Duration.ofHours(12));
        driver.tick();
        assertEquals(List.of("1 init", "2 interval", "3 interval"), reasons);
    }

    @Test
    void aRestartResumesARotationUnderWay() {
        driver.start();
        driver.rotate("rotate-keys");
        long addIndex = store.view().index();
        clock.advance(Duration.ofSeconds(20));
        KeyRotation after = newDriver(); // the manager restarted: the rollout is read back from the state
        after.start();
        assertEquals(Optional.of(2), after.rollingOut());
        ackAll(addIndex);
        after.tick();
        assertEquals(List.of("1:RETIRING", "2:PRIMARY"), phases());
        clock.advance(Duration.ofSeconds(30));
        KeyRotation again = newDriver();
        again.start();
        clock.advance(Duration.ofSeconds(29));
        again.tick();
        assertEquals(List.of("1:RETIRING", "2:PRIMARY"), phases(), "a fresh grace after the restart");
        clock.advance(Duration.ofSeconds(1));
        again.tick();
        assertEquals(List.of("2:PRIMARY"), phases());
        assertFalse(again.rollingOut().isPresent());
    }
}
