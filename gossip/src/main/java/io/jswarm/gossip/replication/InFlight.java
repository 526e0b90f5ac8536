package io.jswarm.gossip.replication;

import io.jswarm.gossip.table.TableEvent;
import io.jswarm.gossip.table.Version;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Entries that their owner has just sent straight to every participant: this node's own writes, and owners'
 * direct events it received. An anti-entropy answer leaves them out for one window, because the peer that
 * asked almost surely has them in flight: without this, every digest exchanged during a burst differs in
 * nearly every bucket, and the answer re-sends nearly the whole table (at 50 nodes x 1000 endpoints that was
 * most of the table bytes and of the time to converge). A lost direct event is still repaired, one window
 * later. Entries relayed in pages are never held back. Confined to the replicator thread.
 */
final class InFlight {
    private record Fresh(Version version, Instant at) {
    }

    private final Duration window;
    private final Map<String, Map<String, Fresh>> byNetwork = new HashMap<>();

    InFlight(Duration window) {
        this.window = window;
    }

    /** The event went (or came) straight from its owner to the participants at {@code now}. */
    void sent(String networkId, TableEvent e, Instant now) {
        byNetwork.computeIfAbsent(networkId, n -> new HashMap<>()).put(e.endpointId(), new Fresh(e.version(), now));
    }

    /** The events minus those of the same version that went out directly less than a window ago. */
    List<TableEvent> settled(String networkId, List<TableEvent> events, Instant now) {
        Map<String, Fresh> fresh = byNetwork.get(networkId);
        if (fresh == null || fresh.isEmpty()) {
            return events;
        }
        Instant cutoff = now.minus(window);
        var out = new ArrayList<TableEvent>(events.size());
        for (TableEvent e : events) {
            Fresh f = fresh.get(e.endpointId());
            if (f == null || !f.version().equals(e.version()) || !f.at().isAfter(cutoff)) {
                out.add(e);
            }
        }
        return out;
    }

    /** Forgets what is older than the window. */
    void expire(Instant now) {
        Instant cutoff = now.minus(window);
        byNetwork.values().forEach(m -> m.values().removeIf(f -> !f.at().isAfter(cutoff)));
        byNetwork.values().removeIf(Map::isEmpty);
    }

    void forget(String networkId) {
        byNetwork.remove(networkId);
    }
}
