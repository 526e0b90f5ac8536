package io.jswarm.manager.raft;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When the leader appends an empty entry to move a follower out of Ratis' heartbeat-only INCONSISTENCY loop. */
class LagNudgeTest {
    @Test
    void aFollowerBehindThatDidNotMoveIsStuck() {
        assertTrue(LagNudge.shouldNudge(new long[] {290, 530}, new long[] {290, 530}, 530, new long[0], true));
    }

    @Test
    void followersThatCaughtUpOrAreMovingAreLeftAlone() {
        assertFalse(LagNudge.shouldNudge(new long[] {530, 530}, new long[] {530, 530}, 530, new long[0], true), "all caught up");
        assertFalse(LagNudge.shouldNudge(new long[] {290, 530}, new long[] {400, 530}, 530, new long[0], true), "catching up");
        assertFalse(LagNudge.shouldNudge(new long[0], new long[0], 530, new long[0], true), "not a leader, or alone");
    }

    @Test
    void aChangedConfigurationIsJudgedAtTheNextCheck() {
        assertFalse(LagNudge.shouldNudge(new long[] {290}, new long[] {290, 530}, 530, new long[0], true));
    }

    @Test
    void aFollowerThatANudgeDidNotMoveIsNotNudgedAgainAtOnce() {
        long[] stuckAt = {555, 290};
        assertTrue(LagNudge.shouldNudge(new long[] {553, 290}, stuckAt, 555, new long[0], false), "first time: nudge");
        assertFalse(LagNudge.shouldNudge(new long[] {555, 290}, new long[] {557, 290}, 557, stuckAt, false),
                "the other follower moved, the stuck one was nudged at 290 already");
        assertTrue(LagNudge.shouldNudge(new long[] {555, 290}, new long[] {557, 290}, 557, stuckAt, true),
                "once the repeat is due it is nudged again (a manager that was down may be back)");
        assertTrue(LagNudge.shouldNudge(new long[] {557, 290}, new long[] {557, 300}, 557, stuckAt, false) == false
                && LagNudge.shouldNudge(new long[] {557, 300}, new long[] {557, 300}, 557, stuckAt, false),
                "it moved to 300 and stuck there: a new picture, nudged");
    }
}
