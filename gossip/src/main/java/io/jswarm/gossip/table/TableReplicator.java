package io.jswarm.gossip.table;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** STUB replaced at merge. */
public final class TableReplicator implements AutoCloseable {
    public interface Listener {
        void onChanges(String networkId, List<ViewChange> changes);
    }

    public TableReplicator(String localNode, PeerMessenger messenger, ReplicatorConfig config, Listener listener) {
    }

    public void start() {
    }

    public void participants(String networkId, Set<String> nodeIds) {
    }

    public void join(String networkId) {
    }

    public void leave(String networkId) {
    }

    public void upsert(String networkId, String endpointId, EndpointRecord r) {
    }

    public void delete(String networkId, String endpointId) {
    }

    public Map<String, EndpointRecord> visible(String networkId) {
        return Map.of();
    }

    public void memberFailed(String node) {
    }

    public void memberAlive(String node) {
    }

    public void memberLeft(String node) {
    }

    public void announceRestart(Duration grace) {
    }

    @Override
    public void close() {
    }
}
