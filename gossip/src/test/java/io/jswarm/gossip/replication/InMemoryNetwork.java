package io.jswarm.gossip.replication;

import com.google.protobuf.InvalidProtocolBufferException;
import io.jswarm.proto.table.TableMessage;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

/**
 * An in-memory stand-in for the gossip transport, for tests and simulations: one {@link PeerMessenger} per
 * node, delivery on the sender's thread (the replicator only enqueues, so this is safe), every message
 * round-tripped through its protobuf bytes as on the wire. Messages can be dropped by a predicate, held in
 * flight until {@link #release()} (a slow path, for tests stepped by hand), nodes disconnected (like absent
 * members), and traffic is counted per node. Thread-safe.
 */
public final class InMemoryNetwork {
    private final Map<String, BiConsumer<String, TableMessage>> handlers = new ConcurrentHashMap<>();
    private final Map<String, Counter> received = new ConcurrentHashMap<>();
    private final Map<String, Counter> sent = new ConcurrentHashMap<>();
    private volatile BiPredicate<String, String> drop = (from, to) -> false;
    private volatile Hold hold = (from, to, m) -> false;
    private final Queue<Runnable> held = new ConcurrentLinkedQueue<>();

    /** Which messages to keep in flight. */
    @FunctionalInterface
    public interface Hold {
        boolean test(String from, String to, TableMessage m);
    }

    /** Messages and bytes delivered to one node. */
    private static final class Counter {
        final AtomicLong messages = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        final Map<TableMessage.KindCase, AtomicLong> byKind = new ConcurrentHashMap<>();
    }

    /** The messenger of {@code nodeId}; it joins the network when it sets its handler. */
    public PeerMessenger messenger(String nodeId) {
        Objects.requireNonNull(nodeId, "nodeId");
        return new PeerMessenger() {
            @Override
            public void send(String to, TableMessage m) {
                deliver(nodeId, to, m);
            }

            @Override
            public void onMessage(BiConsumer<String, TableMessage> handler) {
                handlers.put(nodeId, Objects.requireNonNull(handler));
            }
        };
    }

    /** Drops every message for which {@code p(from, to)} is true (replaces any previous predicate). */
    public void dropIf(BiPredicate<String, String> p) {
        this.drop = Objects.requireNonNull(p);
    }

    /** Keeps every message for which {@code h} is true in flight until {@link #release()}; replaces any previous. */
    public void holdIf(Hold h) {
        this.hold = Objects.requireNonNull(h);
    }

    /** Stops holding and delivers the held messages in the order they were sent. */
    public void release() {
        hold = (from, to, m) -> false;
        for (Runnable r; (r = held.poll()) != null; ) {
            r.run();
        }
    }

    /** Removes a node: messages to it are dropped until its messenger sets a handler again. */
    public void disconnect(String nodeId) {
        handlers.remove(nodeId);
    }

    public long messagesTo(String nodeId) {
        Counter c = received.get(nodeId);
        return c == null ? 0 : c.messages.get();
    }

    public long messagesTo(String nodeId, TableMessage.KindCase kind) {
        Counter c = received.get(nodeId);
        AtomicLong n = c == null ? null : c.byKind.get(kind);
        return n == null ? 0 : n.get();
    }

    /** Messages of that kind sent by {@code nodeId} and delivered. */
    public long messagesFrom(String nodeId, TableMessage.KindCase kind) {
        Counter c = sent.get(nodeId);
        AtomicLong n = c == null ? null : c.byKind.get(kind);
        return n == null ? 0 : n.get();
    }

    public long bytesTo(String nodeId) {
        Counter c = received.get(nodeId);
        return c == null ? 0 : c.bytes.get();
    }

    private void deliver(String from, String to, TableMessage m) {
        if (hold.test(from, to, m)) {
            held.add(() -> deliver(from, to, m));
            return;
        }
        BiConsumer<String, TableMessage> h = handlers.get(to);
        if (h == null || drop.test(from, to)) {
            return;
        }
        byte[] bytes = m.toByteArray();
        TableMessage copy;
        try {
            copy = TableMessage.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a message we just encoded does not parse", e);
        }
        Counter c = received.computeIfAbsent(to, k -> new Counter());
        c.messages.incrementAndGet();
        c.bytes.addAndGet(bytes.length);
        c.byKind.computeIfAbsent(copy.getKindCase(), k -> new AtomicLong()).incrementAndGet();
        sent.computeIfAbsent(from, k -> new Counter()).byKind
                .computeIfAbsent(copy.getKindCase(), k -> new AtomicLong()).incrementAndGet();
        h.accept(from, copy);
    }
}
