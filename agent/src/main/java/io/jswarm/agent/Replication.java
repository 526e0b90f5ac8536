package io.jswarm.agent;

import io.jswarm.agent.net.NetworkAgent;
import io.jswarm.gossip.MembershipEvent;
import io.jswarm.gossip.ScalecubeMembership;
import io.jswarm.gossip.replication.PeerMessenger;
import io.jswarm.gossip.replication.ReplicatorConfig;

/** How the daemon's gossip membership feeds the endpoint tables of its {@link NetworkAgent}. */
final class Replication {
    private Replication() {
    }

    /** Table messages travel on the membership's own mutual-TLS transport. */
    static PeerMessenger messenger(ScalecubeMembership m) {
        return new io.jswarm.gossip.replication.ScalecubePeerMessenger(m);
    }

    static ReplicatorConfig config() {
        return ReplicatorConfig.DEFAULT;
    }

    /**
     * Joined: the node is back (hidden entries return). A graceful leave (Leaving, or Removed after one)
     * withdraws at once unless the node announced a restart; any other removal is a failure (entries hidden,
     * kept until reaped or restored).
     */
    static void route(MembershipEvent e, NetworkAgent agent) {
        String id = e.member().nodeId();
        switch (e) {
            case MembershipEvent.Joined j -> agent.memberAlive(id);
            // A restarted process may reappear as new metadata of a known member: it is alive either way.
            case MembershipEvent.Updated u -> agent.memberAlive(id);
            case MembershipEvent.Leaving l -> agent.memberLeft(id);
            case MembershipEvent.Removed r -> {
                if (r.cause() == MembershipEvent.Cause.LEFT) {
                    agent.memberLeft(id);
                } else {
                    agent.memberFailed(id);
                }
            }
        }
    }
}
