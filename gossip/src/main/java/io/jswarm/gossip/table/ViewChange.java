package io.jswarm.gossip.table;

import java.util.Objects;

/**
 * A change of the visible view (live entries of owners not known to have failed): exactly what the agent must
 * program into or withdraw from the kernel (FDB/neighbour entries, DNS records). Applying the changes in order
 * to a map reproduces {@link EndpointTable#visible()}.
 */
public sealed interface ViewChange {

    String endpointId();

    record Added(String endpointId, EndpointRecord record) implements ViewChange {
        public Added {
            Objects.requireNonNull(endpointId, "endpointId");
            Objects.requireNonNull(record, "record");
        }
    }

    record Updated(String endpointId, EndpointRecord previous, EndpointRecord record) implements ViewChange {
        public Updated {
            Objects.requireNonNull(endpointId, "endpointId");
            Objects.requireNonNull(previous, "previous");
            Objects.requireNonNull(record, "record");
        }
    }

    record Removed(String endpointId, EndpointRecord previous) implements ViewChange {
        public Removed {
            Objects.requireNonNull(endpointId, "endpointId");
            Objects.requireNonNull(previous, "previous");
        }
    }
}
