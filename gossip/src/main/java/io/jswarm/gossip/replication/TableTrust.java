package io.jswarm.gossip.replication;

import io.jswarm.gossip.table.EntrySealer;
import java.util.Objects;

/**
 * How a replicator binds entries to their owners: {@code sealer} signs this node's writes, {@code check}
 * decides which received entries are believed. {@link #NONE} trusts every member (tests of the merge rules).
 */
public record TableTrust(EntrySealer sealer, EntryCheck check) {
    public static final TableTrust NONE = new TableTrust(EntrySealer.NONE, EntryCheck.ACCEPT_ALL);

    public TableTrust {
        Objects.requireNonNull(sealer, "sealer");
        Objects.requireNonNull(check, "check");
    }
}
