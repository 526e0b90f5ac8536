/**
 * Wire and disk formats of jswarm, generated from {@code src/main/proto}. Nothing jswarm sends or stores
 * is Java-serialized: every byte is one of these protobuf messages.
 *
 * <p>{@code jswarm/state.proto}: the manager's command log entries and snapshots. The cluster API (join,
 * session streams) and gossip messages come with the cluster issue.
 */
package io.jswarm.proto;
