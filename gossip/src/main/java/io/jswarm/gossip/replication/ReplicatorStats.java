package io.jswarm.gossip.replication;

/**
 * Table traffic of one replicator since it was created. Bytes are encoded {@code TableMessage} sizes (what the
 * replicator asked to send or was handed), without the transport's envelope, framing and TLS overhead.
 *
 * @param rejected received messages dropped as invalid, unauthorised (event owner differs from the sender) or
 *                 about a network this node does not take part in
 */
public record ReplicatorStats(long messagesSent, long bytesSent, long messagesReceived, long bytesReceived,
                              long rejected) {
}
