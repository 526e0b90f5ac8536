/**
 * The manager: an ordered command log applied to an in-memory state machine (cluster id, CA, tokens,
 * nodes, networks, IP and VNI allocations), snapshots, and the gRPC API on port 2377.
 *
 * <p>Empty until the cluster issue.
 */
package io.jswarm.manager;
