package io.jswarm.agent;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Issue 12: when a manager's leave would cost the swarm its quorum (swarmkit's rule, Docker's warning). */
class ManagerInfoTest {
    @Test
    void aLeaveLosesTheQuorumWhenTheRestCannotOutvoteTheUnreachable() {
        assertTrue(ManagerInfo.leaveLosesQuorum(1, 0), "the last manager");
        assertTrue(ManagerInfo.leaveLosesQuorum(2, 0), "one of two: the other alone is no majority of two");
        assertFalse(ManagerInfo.leaveLosesQuorum(3, 0), "one of three, all up: two of three remain");
        assertTrue(ManagerInfo.leaveLosesQuorum(3, 1), "three up, one down of four: two of four is no majority");
        assertFalse(ManagerInfo.leaveLosesQuorum(5, 0));
        assertTrue(ManagerInfo.leaveLosesQuorum(4, 2));
    }
}
