package io.jswarm.gossip.table;

import java.util.List;
import java.util.Objects;

/**
 * The anti-entropy digest of a table: endpoint ids are hashed into a power-of-two number of buckets and each
 * bucket carries an order-independent hash of its entries' (id, version, tombstone) triples. Two replicas
 * whose bucket hashes agree hold the same state for those keys; only differing buckets are exchanged, so a
 * round between converged replicas costs one small message (8 bytes per bucket).
 */
public record Digest(List<Long> bucketHashes) {

    public static final int MAX_BUCKETS = 4096;

    public Digest {
        bucketHashes = List.copyOf(Objects.requireNonNull(bucketHashes, "bucketHashes"));
        int n = bucketHashes.size();
        if (n < 1 || n > MAX_BUCKETS || Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException("bucket count must be a power of two in 1.." + MAX_BUCKETS + ": " + n);
        }
    }

    public int buckets() {
        return bucketHashes.size();
    }
}
