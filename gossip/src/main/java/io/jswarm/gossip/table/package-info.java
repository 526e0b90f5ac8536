/**
 * The per-network replicated endpoint table (issue 4) as pure merge logic: versioned entries (Lamport time +
 * owner), tombstones reaped after an interval, failed-owner hide/restore, graceful-leave withdrawal, and
 * digest-driven anti-entropy whose bulk state is paged under a byte cap. Transport, timers and per-network
 * scoping (only nodes with endpoints on a network hold its table) belong to the caller.
 */
package io.jswarm.gossip.table;
