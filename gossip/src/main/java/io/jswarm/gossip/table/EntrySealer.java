package io.jswarm.gossip.table;

/**
 * Signs this node's own writes (see {@link EntrySigning}). {@link #NONE} leaves them unsigned (tables
 * without grants: tests, and nodes that have no signing key).
 */
@FunctionalInterface
public interface EntrySealer {
    EntrySealer NONE = (networkId, e) -> e;

    /** {@code unsealed} carries the grant (if any) and no signature; returns it signed. */
    TableEvent seal(String networkId, TableEvent unsealed);
}
