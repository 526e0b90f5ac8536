package io.jswarm.agent;

import io.jswarm.agent.net.NetworkAgent;
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
}
