package io.jswarm.gossip.replication;

import io.jswarm.gossip.table.TableEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * This node's own entries in one network: what this life of the process wrote (to re-assert over older copies)
 * and which copies of an earlier life it has received without re-creating them (to withdraw them later).
 * Confined to the replicator thread.
 */
final class OwnEntries {
    private final Map<String, TableEvent.Upserted> written = new HashMap<>();
    private final Map<String, Instant> inherited = new HashMap<>();

    void wrote(String endpointId, TableEvent.Upserted event) {
        written.put(endpointId, event);
        inherited.remove(endpointId);
    }

    void forget(String endpointId) {
        written.remove(endpointId);
        inherited.remove(endpointId);
    }

    TableEvent.Upserted written(String endpointId) {
        return written.get(endpointId);
    }

    /** A copy of an earlier life arrived; the first sighting starts its clock. */
    void inherited(String endpointId, Instant now) {
        inherited.putIfAbsent(endpointId, now);
    }

    /** Removes and returns the inherited ids first seen at or before {@code cutoff}. */
    List<String> staleInherited(Instant cutoff) {
        var out = new ArrayList<String>();
        inherited.entrySet().removeIf(e -> {
            if (e.getValue().isAfter(cutoff)) {
                return false;
            }
            out.add(e.getKey());
            return true;
        });
        return out;
    }
}
