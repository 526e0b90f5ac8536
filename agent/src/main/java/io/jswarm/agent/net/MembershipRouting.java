package io.jswarm.agent.net;

import io.jswarm.gossip.MembershipEvent;
import io.jswarm.gossip.replication.TableReplicator;

/** How gossip membership events reach the endpoint tables. */
final class MembershipRouting {
    private MembershipRouting() {
    }

    /**
     * Joined: the node is back (hidden entries return). A graceful leave (Leaving, or Removed after one)
     * withdraws at once unless the node announced a restart; any other removal is a failure (entries hidden,
     * kept until reaped or restored).
     */
    static void route(MembershipEvent e, TableReplicator r) {
        String id = e.member().nodeId();
        switch (e) {
            case MembershipEvent.Joined j -> r.memberAlive(id);
            // A restarted process may reappear as new metadata of a known member: it is alive either way.
            case MembershipEvent.Updated u -> r.memberAlive(id);
            case MembershipEvent.Leaving l -> r.memberLeft(id);
            case MembershipEvent.Removed rm -> {
                if (rm.cause() == MembershipEvent.Cause.LEFT) {
                    r.memberLeft(id);
                } else {
                    r.memberFailed(id);
                }
            }
        }
    }
}
