package io.jswarm.gossip.table;

/** STUB replaced at merge. */
public interface PeerMessenger {
}
