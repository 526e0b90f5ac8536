package io.jswarm.gossip.replication;

import io.jswarm.gossip.table.Digest;
import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.gossip.table.EndpointTable;
import io.jswarm.gossip.table.Page;
import io.jswarm.gossip.table.TableCodec;
import io.jswarm.gossip.table.TableEvent;
import io.jswarm.gossip.table.ViewChange;
import io.jswarm.proto.table.TableMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicates this node's per-network {@link EndpointTable}s with the other participants of each network
 * (NetworkDB done right, see the package notes). One per node. Thread-safe: every call is handed to one
 * "jswarm-tables" thread, which alone touches table state and calls the {@link Listener}, in order.
 *
 * <p>Dissemination is scoped: an event goes straight from its owner to the network's participants (never to
 * every member), and a node answers digests only from participants. Lost messages are repaired by
 * anti-entropy: every {@link ReplicatorConfig#antiEntropyInterval()}, per network, a digest to one random
 * participant, answered with pages of what the sender lacks and, when the receiver lacks something, its own
 * digest. Bulk state only ever travels as pages under {@link ReplicatorConfig#pageLimits()}.
 *
 * <p>Each table's Lamport clock starts at wall-clock epoch millis, so a restarted node (which has lost its
 * clock) issues versions above those of its previous life, which peers still hold: clocks tick once per
 * event, wall time once per millisecond, so this holds unless the cluster produced more events than
 * milliseconds passed. Every received version is also witnessed. And the owner is the authority on its own
 * entries: a copy from an earlier life that beats a current write is overwritten with a newer version, and
 * one this life never re-created is withdrawn after {@link ReplicatorConfig#restartGrace()} (time for the
 * agent to re-assert what it still runs).
 */
public final class TableReplicator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TableReplicator.class);

    /** Receives changes of a network's visible view, on the replicator thread, in order; must not block long. */
    public interface Listener {
        void onChanges(String networkId, List<ViewChange> changes);
    }

    /** A node removed from membership: {@code left} (tombstoned) or failed (hidden), since when. */
    private record Absence(boolean left, Instant since) {
    }

    private final String localNode;
    private final PeerMessenger messenger;
    private final ReplicatorConfig config;
    private final Listener listener;
    private final ScheduledThreadPoolExecutor executor;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile Thread loop;
    private volatile Set<String> networkIds = Set.of();
    private final AtomicLong sentMessages = new AtomicLong();
    private final AtomicLong sentBytes = new AtomicLong();
    private final AtomicLong receivedMessages = new AtomicLong();
    private final AtomicLong receivedBytes = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    // Confined to the replicator thread.
    private final Map<String, EndpointTable> tables = new HashMap<>();
    private final Map<String, Set<String>> participants = new HashMap<>();
    private final Map<String, OwnEntries> own = new HashMap<>();
    private final Map<String, Absence> absent = new HashMap<>();
    private final RestartGraces graces = new RestartGraces();

    /** Starts nothing: the executor creates its thread on the first task; {@link #start()} adds the timers. */
    public TableReplicator(String localNode, PeerMessenger messenger, ReplicatorConfig config, Listener listener) {
        this.localNode = Objects.requireNonNull(localNode, "localNode");
        this.messenger = Objects.requireNonNull(messenger, "messenger");
        this.config = Objects.requireNonNull(config, "config");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "jswarm-tables");
            t.setDaemon(true);
            loop = t;
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
    }

    /** Starts receiving and the timers: anti-entropy (randomly phased per node), reaping, restart-grace expiry. */
    public void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("replicator already started");
        }
        messenger.onMessage((from, m) -> onLoop(() -> receive(from, m)));
        long ae = config.antiEntropyInterval().toMillis();
        // A random phase keeps the nodes' rounds from lining up into bursts.
        executor.scheduleWithFixedDelay(guarded(this::antiEntropy), ThreadLocalRandom.current().nextLong(ae + 1), ae,
                TimeUnit.MILLISECONDS);
        long hk = config.housekeepingInterval().toMillis();
        executor.scheduleWithFixedDelay(guarded(this::housekeeping), hk, hk, TimeUnit.MILLISECONDS);
    }

    // ---- the manager's view and the local node's part ----

    public void participants(String networkId, Set<String> nodeIds) {
        Set<String> copy = Set.copyOf(nodeIds);
        onLoop(() -> {
            if (copy.isEmpty()) {
                participants.remove(networkId);
            } else {
                participants.put(networkId, copy);
            }
        });
    }

    public void join(String networkId) {
        requireText(networkId, "networkId");
        onLoop(() -> joinNow(networkId));
    }

    public void leave(String networkId) {
        onLoop(() -> {
            EndpointTable t = tables.remove(networkId);
            if (t == null) {
                return;
            }
            own.remove(networkId);
            networkIds = Set.copyOf(tables.keySet());
            var out = new ArrayList<ViewChange>();
            t.visible().forEach((id, r) -> out.add(new ViewChange.Removed(id, r)));
            publish(networkId, out);
        });
    }

    /** A local endpoint; joins the network first if needed, then sends the event to every other participant. */
    public void upsert(String networkId, String endpointId, EndpointRecord r) {
        requireText(networkId, "networkId");
        requireText(endpointId, "endpointId");
        if (!r.ownerNode().equals(localNode)) {
            throw new IllegalArgumentException("local upsert of an endpoint owned by " + r.ownerNode());
        }
        onLoop(() -> {
            EndpointTable t = tables.get(networkId);
            if (t == null) {
                t = joinNow(networkId);
            }
            var out = new ArrayList<ViewChange>();
            write(networkId, t, endpointId, r, out);
            publish(networkId, out);
        });
    }

    public void delete(String networkId, String endpointId) {
        onLoop(() -> {
            EndpointTable t = tables.get(networkId);
            if (t == null) {
                return;
            }
            own.get(networkId).forget(endpointId);
            t.delete(endpointId, Instant.now()).ifPresent(lc -> {
                broadcast(networkId, TableMessages.event(networkId, lc.event()));
                lc.change().ifPresent(c -> publish(networkId, List.of(c)));
            });
        });
    }

    /** A snapshot of the visible view (empty if this node does not take part). */
    public Map<String, EndpointRecord> visible(String networkId) {
        return query(() -> {
            EndpointTable t = tables.get(networkId);
            return t == null ? Map.<String, EndpointRecord>of() : Collections.unmodifiableMap(t.visible());
        }, Map.of());
    }

    /** The networks this node takes part in. */
    public Set<String> networks() {
        return networkIds;
    }

    // ---- membership ----

    public void memberFailed(String node) {
        onLoop(() -> removedFromMembership(node, false));
    }

    public void memberLeft(String node) {
        onLoop(() -> removedFromMembership(node, true));
    }

    public void memberAlive(String node) {
        onLoop(() -> {
            if (node.equals(localNode)) {
                return;
            }
            graces.clear(node);
            absent.remove(node);
            tables.forEach((networkId, t) -> {
                publish(networkId, t.ownerAlive(node));
                if (participants.getOrDefault(networkId, Set.of()).contains(node)) {
                    send(node, TableMessages.digest(networkId, t.digest(), true)); // full exchange with it
                }
            });
        });
    }

    /** Announces {@link ReplicatorConfig#restartGrace()}. */
    public void announceRestart() {
        announceRestart(config.restartGrace());
    }

    /**
     * This node is restarting (not leaving): tells every participant of every network, which then keep its
     * entries visible for {@code grace} (capped by their own restartGrace) even if membership removes it. Call
     * it a moment before stopping membership, so it goes out before the leave.
     */
    public void announceRestart(Duration grace) {
        TableMessage m = TableMessages.restarting(grace);
        onLoop(() -> {
            Set<String> peers = new TreeSet<>();
            tables.keySet().forEach(n -> peers.addAll(participants.getOrDefault(n, Set.of())));
            peers.remove(localNode);
            peers.forEach(p -> send(p, m));
            LOG.info("restart announced to {} peers grace={}", peers.size(), grace);
        });
    }

    public ReplicatorStats stats() {
        return new ReplicatorStats(sentMessages.get(), sentBytes.get(), receivedMessages.get(), receivedBytes.get(),
                rejected.get());
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    // ---- on the replicator thread ----

    private EndpointTable joinNow(String networkId) {
        EndpointTable existing = tables.get(networkId);
        if (existing != null) {
            return existing;
        }
        var t = new EndpointTable(networkId, localNode, config.reapInterval(), config.digestBuckets(),
                System.currentTimeMillis());
        Instant now = Instant.now();
        absent.forEach((node, a) -> {
            if (a.left()) {
                t.ownerLeft(node, now);
            } else {
                t.ownerFailed(node, now);
            }
        });
        tables.put(networkId, t);
        own.put(networkId, new OwnEntries());
        networkIds = Set.copyOf(tables.keySet());
        List<String> peers = peers(networkId);
        Collections.shuffle(peers);
        TableMessage digest = TableMessages.digest(networkId, t.digest(), true);
        peers.stream().limit(config.exchangeFanout()).forEach(p -> send(p, digest));
        return t;
    }

    private void write(String networkId, EndpointTable t, String endpointId, EndpointRecord r, List<ViewChange> out) {
        EndpointTable.LocalChange lc = t.upsert(endpointId, r);
        own.get(networkId).wrote(endpointId, (TableEvent.Upserted) lc.event());
        broadcast(networkId, TableMessages.event(networkId, lc.event()));
        lc.change().ifPresent(out::add);
    }

    private void removedFromMembership(String node, boolean left) {
        if (node.equals(localNode)) {
            return;
        }
        Instant now = Instant.now();
        if (graces.inGrace(node, now)) {
            graces.defer(node);
            LOG.info("node {} {} within its restart grace: keeping its entries", node, left ? "left" : "failed");
            return;
        }
        markAbsent(node, left, now);
    }

    private void markAbsent(String node, boolean left, Instant now) {
        Absence was = absent.get(node);
        if (was != null && (was.left() || !left)) {
            return; // already as absent or more
        }
        absent.put(node, new Absence(left, now));
        tables.forEach((networkId, t) -> publish(networkId, left ? t.ownerLeft(node, now) : t.ownerFailed(node, now)));
    }

    private void receive(String from, TableMessage m) {
        receivedMessages.incrementAndGet();
        receivedBytes.addAndGet(m.getSerializedSize());
        if (from == null || from.equals(localNode)) {
            reject(from, m, "no authenticated sender");
            return;
        }
        try {
            switch (m.getKindCase()) {
                case RESTARTING -> {
                    long millis = Math.min(m.getRestarting().getGraceMillis(), config.restartGrace().toMillis());
                    graces.announced(from, Instant.now().plusMillis(millis));
                    LOG.info("node {} announced a restart: keeping its entries for {} ms", from, millis);
                }
                case EVENT -> onEvent(from, m);
                case DIGEST -> onDigest(from, m);
                case PAGE -> onPage(from, m);
                case KIND_NOT_SET -> reject(from, m, "empty message");
            }
        } catch (IllegalArgumentException e) {
            reject(from, m, e.getMessage());
        }
    }

    private void onEvent(String from, TableMessage m) {
        EndpointTable t = tables.get(m.getNetworkId());
        if (t == null) {
            reject(from, m, "not taking part");
            return;
        }
        TableEvent e = TableCodec.fromProto(m.getEvent());
        if (!e.version().owner().equals(from)) {
            // Direct events come from their owner only; relayed state travels in anti-entropy pages.
            reject(from, m, "event owned by " + e.version().owner());
            return;
        }
        Instant now = Instant.now();
        var out = new ArrayList<ViewChange>();
        t.merge(e, now).ifPresent(out::add);
        afterMerge(m.getNetworkId(), t, List.of(e), out, now);
    }

    private void onDigest(String from, TableMessage m) {
        String networkId = m.getNetworkId();
        EndpointTable t = tables.get(networkId);
        if (t == null || !participants.getOrDefault(networkId, Set.of()).contains(from)) {
            reject(from, m, "not a participant"); // never hand a network's state to a non-participant
            return;
        }
        Digest peer = TableCodec.fromProto(m.getDigest());
        List<TableEvent> lacking = t.diff(peer, Instant.now());
        if (!lacking.isEmpty()) {
            TableMessages.pages(networkId, lacking, config.pageLimits()).forEach(p -> send(from, p));
        }
        // Sent after the pages (same connection, in order), so the peer diffs against its repaired state.
        Digest mine = t.digest();
        if (m.getDigest().getReply() && !mine.equals(peer)) {
            send(from, TableMessages.digest(networkId, mine, false));
        }
    }

    private void onPage(String from, TableMessage m) {
        EndpointTable t = tables.get(m.getNetworkId());
        if (t == null) {
            reject(from, m, "not taking part");
            return;
        }
        Page page = TableCodec.fromProto(m.getPage());
        if (!page.networkId().equals(m.getNetworkId())) {
            reject(from, m, "page of network " + page.networkId());
            return;
        }
        Instant now = Instant.now();
        var out = new ArrayList<ViewChange>(t.mergeAll(page.events(), now));
        afterMerge(m.getNetworkId(), t, page.events(), out, now);
    }

    /** The owner is the authority on its own entries: see the class notes. */
    private void afterMerge(String networkId, EndpointTable t, List<TableEvent> events, List<ViewChange> out,
                            Instant now) {
        OwnEntries mine = own.get(networkId);
        for (TableEvent e : events) {
            if (!e.version().owner().equals(localNode)) {
                continue;
            }
            String id = e.endpointId();
            TableEvent.Upserted written = mine.written(id);
            TableEvent stored = t.entry(id).orElse(null);
            if (written != null && !written.equals(stored)) {
                LOG.info("re-asserting own endpoint {} on {} over an older copy", id, networkId);
                write(networkId, t, id, written.record(), out);
            } else if (written == null && stored instanceof TableEvent.Upserted) {
                mine.inherited(id, now);
            }
        }
        publish(networkId, out);
    }

    private void antiEntropy() {
        tables.forEach((networkId, t) -> {
            List<String> peers = peers(networkId);
            if (!peers.isEmpty()) {
                String p = peers.get(ThreadLocalRandom.current().nextInt(peers.size()));
                send(p, TableMessages.digest(networkId, t.digest(), true));
            }
        });
    }

    private void housekeeping() {
        Instant now = Instant.now();
        for (String node : graces.expire(now)) {
            LOG.info("node {} did not return within its restart grace", node);
            markAbsent(node, false, now);
        }
        tables.forEach((networkId, t) -> {
            t.tick(now);
            // Own entries of an earlier life that the agent has not re-created within the grace: withdraw.
            for (String id : own.get(networkId).staleInherited(now.minus(config.restartGrace()))) {
                if (t.entry(id).orElse(null) instanceof TableEvent.Upserted u && u.version().owner().equals(localNode)) {
                    t.delete(id, now).ifPresent(lc -> {
                        broadcast(networkId, TableMessages.event(networkId, lc.event()));
                        lc.change().ifPresent(c -> publish(networkId, List.of(c)));
                    });
                }
            }
        });
        absent.values().removeIf(a -> a.since().plus(config.reapInterval()).isBefore(now));
    }

    /** Participants other than this node and not known to be gone, as a fresh list. */
    private List<String> peers(String networkId) {
        var out = new ArrayList<String>();
        for (String p : participants.getOrDefault(networkId, Set.of())) {
            if (!p.equals(localNode) && !absent.containsKey(p)) {
                out.add(p);
            }
        }
        return out;
    }

    private void broadcast(String networkId, TableMessage m) {
        for (String p : participants.getOrDefault(networkId, Set.of())) {
            if (!p.equals(localNode)) {
                send(p, m);
            }
        }
    }

    private void send(String node, TableMessage m) {
        sentMessages.incrementAndGet();
        sentBytes.addAndGet(m.getSerializedSize());
        try {
            messenger.send(node, m);
        } catch (RuntimeException e) {
            LOG.debug("table message to {} failed: {}", node, e.toString());
        }
    }

    private void publish(String networkId, List<ViewChange> changes) {
        if (changes.isEmpty()) {
            return;
        }
        try {
            listener.onChanges(networkId, List.copyOf(changes));
        } catch (RuntimeException e) {
            LOG.error("table listener failed network={}", networkId, e);
        }
    }

    private void reject(String from, TableMessage m, String why) {
        rejected.incrementAndGet();
        LOG.debug("table message dropped from={} network={} kind={}: {}", from, m.getNetworkId(), m.getKindCase(), why);
    }

    // ---- threading ----

    private void onLoop(Runnable r) {
        try {
            executor.execute(guarded(r));
        } catch (RejectedExecutionException closed) {
            LOG.debug("replicator closed: dropping a task");
        }
    }

    private static Runnable guarded(Runnable r) {
        return () -> {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.error("table replicator task failed", e);
            }
        };
    }

    /** Runs on the replicator thread and waits; runs inline when already there (e.g. from the listener). */
    private <T> T query(Callable<T> c, T whenClosed) {
        try {
            if (Thread.currentThread() == loop) {
                return c.call();
            }
            return executor.submit(c).get();
        } catch (RejectedExecutionException closed) {
            return whenClosed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return whenClosed;
        } catch (ExecutionException e) {
            throw new IllegalStateException("replicator query failed", e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void requireText(String s, String what) {
        Objects.requireNonNull(s, what);
        if (s.isBlank() || s.length() > EndpointRecord.MAX_NAME_LENGTH) {
            throw new IllegalArgumentException(what + " must be 1.." + EndpointRecord.MAX_NAME_LENGTH + " characters");
        }
    }
}
