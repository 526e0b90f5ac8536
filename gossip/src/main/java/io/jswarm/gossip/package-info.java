/**
 * SWIM membership over scalecube-cluster with a mutually authenticated, protobuf-only transport, and the
 * per-network endpoint tables (versioned entries, tombstones, anti-entropy) as pure merge logic.
 *
 * <p>Empty until the cluster and overlay issues.
 */
package io.jswarm.gossip;
