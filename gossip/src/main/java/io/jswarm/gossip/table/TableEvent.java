package io.jswarm.gossip.table;

import java.time.Duration;
import java.util.Objects;

/**
 * One replicated change to a network's table, as gossiped and as carried in bulk-state pages.
 */
public sealed interface TableEvent {

    String endpointId();

    Version version();

    /** The owner's grant and signature; {@link Seal#NONE} in tables without grants. */
    Seal seal();

    /** The same event with another seal (the owner signs its own writes). */
    TableEvent withSeal(Seal seal);

    /** A create or update of an endpoint. */
    record Upserted(String endpointId, Version version, EndpointRecord record, Seal seal) implements TableEvent {
        public Upserted(String endpointId, Version version, EndpointRecord record) {
            this(endpointId, version, record, Seal.NONE);
        }

        @Override
        public Upserted withSeal(Seal s) {
            return new Upserted(endpointId, version, record, s);
        }

        public Upserted {
            requireId(endpointId);
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(record, "record");
            Objects.requireNonNull(seal, "seal");
            if (!record.ownerNode().equals(version.owner())) {
                // The version owner decides who may hide/withdraw the entry on failure; they must agree.
                throw new IllegalArgumentException("record owner " + record.ownerNode()
                        + " differs from version owner " + version.owner());
            }
        }
    }

    /**
     * A deletion, kept as a tombstone so that older upserts arriving late cannot resurrect the entry.
     *
     * @param residualReap how much longer the tombstone lives; relayed so late replicas reap at about the same time
     */
    record Deleted(String endpointId, Version version, Duration residualReap, Seal seal) implements TableEvent {
        public Deleted(String endpointId, Version version, Duration residualReap) {
            this(endpointId, version, residualReap, Seal.NONE);
        }

        @Override
        public Deleted withSeal(Seal s) {
            return new Deleted(endpointId, version, residualReap, s);
        }

        public Deleted {
            Objects.requireNonNull(seal, "seal");
            requireId(endpointId);
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(residualReap, "residualReap");
            if (residualReap.isNegative()) {
                throw new IllegalArgumentException("residualReap must not be negative: " + residualReap);
            }
        }
    }

    private static void requireId(String endpointId) {
        Objects.requireNonNull(endpointId, "endpointId");
        if (endpointId.isBlank() || endpointId.length() > EndpointRecord.MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("endpointId must be 1.." + EndpointRecord.MAX_NAME_LENGTH + " characters");
        }
    }
}
