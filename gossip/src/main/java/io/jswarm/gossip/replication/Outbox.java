package io.jswarm.gossip.replication;

import io.jswarm.gossip.table.TableEvent;
import io.jswarm.gossip.table.ViewChange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * What {@link ReplicaSet} has decided but not yet done, per network and in order: own changes to send and
 * view changes to give the listener. The first addition queues one drain behind the tasks already on the
 * replicator thread, so a burst of local writes goes out as one message per peer, and a burst of messages
 * queued behind a busy thread (N owners writing at once) reaches the listener in one call instead of one per
 * message: each call reprograms the data plane, whose cost grows with the table, so per-message calls made
 * a burst cost messages x table size on every node. A lone write or message still goes out at once.
 * Confined to the replicator thread.
 */
final class Outbox {
    private final Map<String, List<TableEvent>> events = new LinkedHashMap<>();
    private final Map<String, List<ViewChange>> views = new LinkedHashMap<>();
    private final Runnable drainSoon;
    private boolean queued;

    /** @param drainSoon queues a call of {@link #drain} on the replicator thread behind the queued tasks */
    Outbox(Runnable drainSoon) {
        this.drainSoon = drainSoon;
    }

    void send(String networkId, TableEvent e) {
        later();
        events.computeIfAbsent(networkId, n -> new ArrayList<>()).add(e);
    }

    void publish(String networkId, List<ViewChange> changes) {
        if (!changes.isEmpty()) {
            later();
            views.computeIfAbsent(networkId, n -> new ArrayList<>()).addAll(changes);
        }
    }

    /** Sends first, then publishes (both emptied before either callback runs, so they may add again). */
    void drain(BiConsumer<String, List<TableEvent>> send, BiConsumer<String, List<ViewChange>> publish) {
        queued = false;
        var toSend = new ArrayList<>(events.entrySet());
        var toPublish = new ArrayList<>(views.entrySet());
        events.clear();
        views.clear();
        toSend.forEach(e -> send.accept(e.getKey(), e.getValue()));
        toPublish.forEach(v -> publish.accept(v.getKey(), List.copyOf(v.getValue())));
    }

    private void later() {
        if (!queued) {
            queued = true;
            drainSoon.run();
        }
    }
}
