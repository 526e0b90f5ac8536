/**
 * Replication of the per-network endpoint tables ({@link io.jswarm.gossip.table}) between nodes over the
 * mutual-TLS gossip transport: {@link io.jswarm.gossip.replication.TableReplicator} (one per node, one thread),
 * the {@link io.jswarm.gossip.replication.PeerMessenger} seam with its scalecube-backed and in-memory
 * implementations. The sender of every message is the TLS identity of the connection it came on.
 */
package io.jswarm.gossip.replication;
