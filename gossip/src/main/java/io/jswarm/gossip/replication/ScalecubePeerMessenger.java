package io.jswarm.gossip.replication;

import io.jswarm.gossip.ScalecubeMembership;
import io.jswarm.proto.table.TableMessage;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * {@link PeerMessenger} over a {@link ScalecubeMembership}'s mutual-TLS transport: a message goes to the
 * member's current gossip address (dropped if it is not a member), and the sender of a received message is
 * the CN of the connection's verified peer certificate, so no peer can speak for another node.
 */
public final class ScalecubePeerMessenger implements PeerMessenger {
    private final ScalecubeMembership membership;

    public ScalecubePeerMessenger(ScalecubeMembership membership) {
        this.membership = Objects.requireNonNull(membership, "membership");
    }

    @Override
    public void send(String nodeId, TableMessage m) {
        membership.sendTable(nodeId, m);
    }

    @Override
    public void onMessage(BiConsumer<String, TableMessage> handler) {
        membership.onTableMessage(handler);
    }
}
