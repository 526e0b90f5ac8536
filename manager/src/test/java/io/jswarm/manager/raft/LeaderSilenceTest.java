package io.jswarm.manager.raft;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.ratis.proto.RaftProtos.FollowerInfoProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.junit.jupiter.api.Test;

/** When a follower answers a read at once as possibly stale: its leader silent for an election timeout. */
class LeaderSilenceTest {
    private static RoleInfoProto follower(long lastRpcMs) {
        return RoleInfoProto.newBuilder().setFollowerInfo(FollowerInfoProto.newBuilder()
                .setLeaderInfo(ServerRpcProto.newBuilder().setLastRpcElapsedTimeMs(lastRpcMs))).build();
    }

    @Test
    void aFollowerWhoseLeaderWasSilentForAnElectionTimeoutDoesNotAskIt() {
        assertTrue(ReplicatedStore.leaderSilent(follower(1000), 1000));
        assertTrue(ReplicatedStore.leaderSilent(follower(1800), 1000));
    }

    @Test
    void aHeartbeatWithinTheTimeoutOrAnotherRoleAsksTheLeader() {
        assertFalse(ReplicatedStore.leaderSilent(follower(600), 1000), "heartbeats come every half timeout");
        assertFalse(ReplicatedStore.leaderSilent(RoleInfoProto.getDefaultInstance(), 1000), "a leader");
        assertFalse(ReplicatedStore.leaderSilent(RoleInfoProto.newBuilder().setFollowerInfo(FollowerInfoProto
                .getDefaultInstance()).build(), 1000), "a follower that never heard a leader: hasQuorum decides");
    }
}
