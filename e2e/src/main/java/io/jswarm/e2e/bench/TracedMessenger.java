package io.jswarm.e2e.bench;

import io.jswarm.gossip.replication.PeerMessenger;
import io.jswarm.proto.table.TableMessage;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * The {@code scale} bench's view of one node's table traffic, for "where the time goes": per message kind,
 * how many were sent and received and when the last one arrived (System.nanoTime), so a phase can tell
 * direct events from anti-entropy repair (pages) and see when the last of each came in. Thread-safe.
 */
final class TracedMessenger implements PeerMessenger {
    private final PeerMessenger inner;
    private final Map<TableMessage.KindCase, AtomicLong> sent = counters();
    private final Map<TableMessage.KindCase, AtomicLong> received = counters();
    private final Map<TableMessage.KindCase, AtomicLong> lastReceivedNanos = counters();

    TracedMessenger(PeerMessenger inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
    }

    private static Map<TableMessage.KindCase, AtomicLong> counters() {
        var m = new EnumMap<TableMessage.KindCase, AtomicLong>(TableMessage.KindCase.class);
        for (TableMessage.KindCase k : TableMessage.KindCase.values()) {
            m.put(k, new AtomicLong());
        }
        return m;
    }

    @Override
    public void send(String nodeId, TableMessage m) {
        sent.get(m.getKindCase()).incrementAndGet();
        inner.send(nodeId, m);
    }

    @Override
    public void onMessage(BiConsumer<String, TableMessage> handler) {
        inner.onMessage((from, m) -> {
            received.get(m.getKindCase()).incrementAndGet();
            lastReceivedNanos.get(m.getKindCase()).set(System.nanoTime());
            handler.accept(from, m);
        });
    }

    long sent(TableMessage.KindCase kind) {
        return sent.get(kind).get();
    }

    long received(TableMessage.KindCase kind) {
        return received.get(kind).get();
    }

    long lastReceivedNanos(TableMessage.KindCase kind) {
        return lastReceivedNanos.get(kind).get();
    }
}
