package io.jswarm.manager.state;

import static io.jswarm.manager.state.Commands.add;
import static io.jswarm.manager.state.Commands.init;
import static io.jswarm.manager.state.Commands.remove;
import static io.jswarm.manager.state.Commands.rotate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.Role;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StateMachineTest {
    private final StateMachine sm = new StateMachine();

    @Test
    void nothingButInitBeforeTheClusterExists() {
        assertEquals(Optional.of("this node is not part of a swarm"), sm.validate(add("n1", Role.ROLE_WORKER)));
        Commands.assertApplied(sm.apply(1, init("c1")));
        assertEquals(Optional.of("this node is already part of a swarm"), sm.validate(init("c2")));
    }

    @Test
    void nodesComeAndGoAndRemovedIdsNeverReturn() {
        sm.apply(1, init("c1"));
        Commands.assertApplied(sm.apply(2, add("n1", Role.ROLE_MANAGER)));
        assertEquals(Optional.of("node n1 already exists"), sm.validate(add("n1", Role.ROLE_WORKER)));
        Commands.assertApplied(sm.apply(3, remove("n1")));
        assertTrue(sm.node("n1").isEmpty());
        assertTrue(sm.isRemoved("n1"));
        assertTrue(sm.validate(add("n1", Role.ROLE_WORKER)).orElseThrow().contains("was removed"));
        assertEquals(Optional.of("node n2 not found"), sm.validate(remove("n2")));
    }

    @Test
    void nodesListInJoinOrderWithTheirAvailabilityAndSurviveASnapshot() {
        sm.apply(1, init("c1"));
        sm.apply(2, add("m1", Role.ROLE_MANAGER));
        sm.apply(3, add("w1", Role.ROLE_WORKER));
        sm.apply(4, add("w2", Role.ROLE_WORKER));
        sm.apply(5, remove("w1"));
        sm.apply(6, Command.newBuilder().setSetNodeAvailability(io.jswarm.proto.state.SetNodeAvailability.newBuilder()
                .setNodeId("w2").setAvailability(io.jswarm.proto.state.Availability.AVAILABILITY_DRAIN)).build());
        assertEquals(java.util.List.of("m1", "w2"), sm.nodes().stream().map(n -> n.getNodeId()).toList());
        assertEquals(io.jswarm.proto.state.Availability.AVAILABILITY_DRAIN, sm.availability("w2"));
        assertEquals(io.jswarm.proto.state.Availability.AVAILABILITY_ACTIVE, sm.availability("m1"));
        StateMachine copy = new StateMachine();
        copy.restore(sm.snapshot());
        assertEquals(sm.nodes(), copy.nodes());
        assertEquals(io.jswarm.proto.state.Availability.AVAILABILITY_DRAIN, copy.availability("w2"));
        assertTrue(copy.isRemoved("w1"));
    }

    @Test
    void rotatingOneTokenLeavesTheOther() {
        sm.apply(1, init("c1"));
        sm.apply(2, rotate(Role.ROLE_WORKER, "w1"));
        assertEquals("w1", sm.cluster().orElseThrow().getWorkerTokenSecret());
        assertEquals("m0", sm.cluster().orElseThrow().getManagerTokenSecret());
        assertEquals(Optional.of("role must be worker or manager"), sm.validate(rotate(Role.ROLE_UNSPECIFIED, "x")));
    }

    @Test
    void aRejectedCommandInTheLogIsSkippedByEveryReplica() {
        sm.apply(1, init("c1"));
        assertEquals(new Applied.Refused("this node is already part of a swarm"), sm.apply(2, init("c2")));
        assertEquals("c1", sm.cluster().orElseThrow().getClusterId());
        assertEquals(2, sm.lastApplied());
        assertEquals(new Applied.Refused("empty command"), sm.apply(3, Command.getDefaultInstance()));
    }

    @Test
    void indexesMustIncrease() {
        sm.apply(5, init("c1"));
        assertThrows(IllegalArgumentException.class, () -> sm.apply(5, add("n1", Role.ROLE_WORKER)));
    }

    @Test
    void snapshotRestoresTheSameState() {
        sm.apply(1, init("c1"));
        sm.apply(2, add("n1", Role.ROLE_MANAGER));
        sm.apply(3, add("n2", Role.ROLE_WORKER));
        sm.apply(4, remove("n2"));
        StateMachine copy = new StateMachine();
        copy.restore(sm.snapshot());
        assertEquals(sm.snapshot(), copy.snapshot());
        assertTrue(copy.isRemoved("n2"));
        assertEquals(4, copy.lastApplied());
    }
}
