package io.jswarm.gossip.table;

import java.util.Comparator;
import java.util.Objects;

/**
 * The version of a table entry: a Lamport time plus the node that owns the entry. The order is total
 * (lamport first, owner id as tie-break) so every replica picks the same winner for concurrent writes.
 */
public record Version(long lamport, String owner) implements Comparable<Version> {

    private static final Comparator<Version> ORDER =
            Comparator.comparingLong(Version::lamport).thenComparing(Version::owner);

    public Version {
        if (lamport < 1) {
            // 0 is the clock before any event; no entry can carry it.
            throw new IllegalArgumentException("lamport must be >= 1: " + lamport);
        }
        Objects.requireNonNull(owner, "owner");
        if (owner.isBlank()) {
            throw new IllegalArgumentException("owner must not be blank");
        }
    }

    @Override
    public int compareTo(Version other) {
        return ORDER.compare(this, other);
    }

    public boolean isNewerThan(Version other) {
        return compareTo(other) > 0;
    }
}
