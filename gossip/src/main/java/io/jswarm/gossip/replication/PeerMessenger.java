package io.jswarm.gossip.replication;

import io.jswarm.proto.table.TableMessage;
import java.util.function.BiConsumer;

/**
 * Point-to-point table messages between nodes: the seam between {@link TableReplicator} and the gossip
 * transport ({@link ScalecubePeerMessenger}) or an in-memory network for tests ({@code InMemoryNetwork}, in the test sources).
 * Best effort: a message to an unknown or absent node is dropped; anti-entropy repairs the loss.
 */
public interface PeerMessenger {

    /** Sends one message to {@code nodeId}; never blocks on the network, never throws for a missing peer. */
    void send(String nodeId, TableMessage m);

    /**
     * Sets the receiver: (sender node id, message). The sender id is authenticated by the implementation (the
     * TLS peer certificate), never read from the message. May be called on any thread; hand off quickly.
     */
    void onMessage(BiConsumer<String, TableMessage> handler);
}
