package io.jswarm.gossip.table;

import java.util.List;
import java.util.Objects;

/**
 * One page of bulk state for a network. Pages are self-contained: each may be merged on arrival, in any order.
 */
public record Page(String networkId, int index, boolean last, List<TableEvent> events) {

    public Page {
        Objects.requireNonNull(networkId, "networkId");
        if (networkId.isBlank()) {
            throw new IllegalArgumentException("networkId must not be blank");
        }
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0: " + index);
        }
        events = List.copyOf(Objects.requireNonNull(events, "events"));
    }
}
