package io.jswarm.gossip.replication;

import io.jswarm.gossip.table.Digest;
import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.gossip.table.EndpointTable;
import io.jswarm.gossip.table.Page;
import io.jswarm.gossip.table.TableCodec;
import io.jswarm.gossip.table.TableEvent;
import io.jswarm.gossip.table.ViewChange;
import io.jswarm.proto.table.SignedGrant;
import io.jswarm.proto.table.TableMessage;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state and protocol behind {@link TableReplicator}: this node's tables, the participants of every
 * network, its own writes, absent owners and restart graces. Confined to the replicator thread (no locks);
 * talks to the world only through {@code send} and the listener. The rules are in {@link TableReplicator}.
 */
final class ReplicaSet {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaSet.class);

    /** A node removed from membership: {@code left} (tombstoned) or failed (hidden), since when. */
    private record Absence(boolean left, Instant since) {
    }

    private final String localNode;
    private final ReplicatorConfig config;
    private final BiConsumer<String, TableMessage> send;
    private final TableReplicator.Listener listener;
    private final AtomicLong rejected = new AtomicLong();
    private final Map<String, EndpointTable> tables = new HashMap<>();
    private final Map<String, Set<String>> participants = new HashMap<>();
    private final Map<String, OwnEntries> own = new HashMap<>();
    private final Map<String, Absence> absent = new HashMap<>();
    private final RestartGraces graces = new RestartGraces();
    /** Own changes to send and view changes to publish, drained behind the current burst. */
    private final Outbox outbox;
    private final InstantSource clock;
    private final RandomGenerator random;
    private final InFlight inFlight;
    private final TableTrust trust;
    private final EntryGate gate;
    /** Each node's data-path address from the manager's latest view: what a received entry's VTEP must be. */
    private Map<String, java.net.InetAddress> dataAddresses = Map.of();

    /**
     * @param flushSoon queues {@link #flush()} on the replicator thread behind the tasks already queued, so a
     *                  burst of local writes (e.g. the agent re-creating its endpoints) goes out as one message
     *                  per peer, and a burst of received changes reaches the listener in one call, while a
     *                  lone write or message still goes out at once
     */
    /** Written on the replicator thread, read by metrics from any thread. */
    private final Map<String, Long> repairs = new java.util.concurrent.ConcurrentHashMap<>();

    ReplicaSet(String localNode, ReplicatorConfig config, BiConsumer<String, TableMessage> send,
               TableReplicator.Listener listener, Runnable flushSoon, InstantSource clock, RandomGenerator random,
               TableTrust trust) {
        this.trust = trust;
        this.gate = new EntryGate(trust.check(), EntryCheck.Directory.of(n -> participants.getOrDefault(n, Set.of()),
                node -> java.util.Optional.ofNullable(dataAddresses.get(node))), clock);
        this.localNode = localNode;
        this.config = config;
        this.send = send;
        this.listener = listener;
        this.outbox = new Outbox(flushSoon);
        this.clock = clock;
        this.random = random;
        this.inFlight = new InFlight(config.antiEntropyInterval());
    }

    long rejected() {
        return rejected.get();
    }

    /** Entries each network's anti-entropy pages changed here: what a lost or late direct event left to repair. */
    Map<String, Long> repairs() {
        return Map.copyOf(repairs);
    }

    /** Received entries refused by the clock bound or the authority check (each entry counted once). */
    long refusedEntries() {
        return gate.refused();
    }

    void dataAddresses(Map<String, java.net.InetAddress> addresses) {
        dataAddresses = addresses;
    }

    Set<String> networks() {
        return Set.copyOf(tables.keySet());
    }

    Map<String, EndpointRecord> visible(String networkId) {
        EndpointTable t = tables.get(networkId);
        return t == null ? Map.of() : Collections.unmodifiableMap(t.visible());
    }

    // ---- local ----

    void participants(String networkId, Set<String> nodeIds) {
        if (nodeIds.isEmpty()) {
            participants.remove(networkId);
        } else {
            participants.put(networkId, nodeIds);
        }
    }

    /** Creates the table (marking owners already known to be gone) and exchanges full state with a few peers. */
    EndpointTable join(String networkId) {
        EndpointTable existing = tables.get(networkId);
        if (existing != null) {
            return existing;
        }
        var t = new EndpointTable(networkId, localNode, config.reapInterval(), config.digestBuckets(),
                clock.millis(), trust.sealer());
        Instant now = clock.instant();
        absent.forEach((node, a) -> {
            if (a.left()) {
                t.ownerLeft(node, now);
            } else {
                t.ownerFailed(node, now);
            }
        });
        tables.put(networkId, t);
        own.put(networkId, new OwnEntries());
        List<String> peers = peers(networkId);
        Collections.shuffle(peers, random);
        TableMessage digest = TableMessages.sizedDigest(t, config.digestBuckets());
        peers.stream().limit(config.exchangeFanout()).forEach(p -> send.accept(p, digest));
        return t;
    }

    void leave(String networkId) {
        EndpointTable t = tables.remove(networkId);
        if (t == null) {
            return;
        }
        own.remove(networkId);
        inFlight.forget(networkId);
        var out = new ArrayList<ViewChange>();
        t.visible().forEach((id, r) -> out.add(new ViewChange.Removed(id, r)));
        publish(networkId, out);
    }

    void upsert(String networkId, String endpointId, EndpointRecord r, SignedGrant grant) {
        EndpointTable t = join(networkId);
        var out = new ArrayList<ViewChange>();
        write(networkId, t, endpointId, r, grant, out);
        publish(networkId, out);
    }

    void delete(String networkId, String endpointId) {
        EndpointTable t = tables.get(networkId);
        if (t == null) {
            return;
        }
        own.get(networkId).forget(endpointId);
        withdraw(networkId, t, endpointId, clock.instant());
    }

    void announceRestart(Duration grace) {
        TableMessage m = TableMessages.restarting(grace);
        Set<String> peers = new TreeSet<>();
        tables.keySet().forEach(n -> peers.addAll(participants.getOrDefault(n, Set.of())));
        peers.remove(localNode);
        peers.forEach(p -> send.accept(p, m));
        LOG.info("restart announced to {} peers grace={}", peers.size(), grace);
    }

    // ---- membership ----

    void memberAlive(String node) {
        if (node.equals(localNode)) {
            return;
        }
        graces.clear(node);
        absent.remove(node);
        tables.forEach((networkId, t) -> {
            publish(networkId, t.ownerAlive(node));
            if (participants.getOrDefault(networkId, Set.of()).contains(node)) {
                send.accept(node, TableMessages.sizedDigest(t, config.digestBuckets())); // full exchange with it
            }
        });
    }

    void removedFromMembership(String node, boolean left) {
        if (node.equals(localNode)) {
            return;
        }
        Instant now = clock.instant();
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

    // ---- messages from peers ----

    void receive(String from, TableMessage m) {
        if (from == null || from.equals(localNode)) {
            reject(from, m, "no authenticated sender");
            return;
        }
        try {
            switch (m.getKindCase()) {
                case RESTARTING -> {
                    long millis = Math.min(m.getRestarting().getGraceMillis(), config.restartGrace().toMillis());
                    graces.announced(from, clock.instant().plusMillis(millis));
                    LOG.info("node {} announced a restart: keeping its entries for {} ms", from, millis);
                }
                case EVENT -> mergeOwn(from, m, List.of(TableCodec.fromProto(m.getEvent())));
                case EVENTS -> mergeOwn(from, m, TableCodec.fromProto(m.getEvents()).events());
                case DIGEST -> onDigest(from, m);
                case PAGE -> onPage(from, m);
                case KIND_NOT_SET -> reject(from, m, "empty message");
            }
        } catch (IllegalArgumentException e) {
            reject(from, m, e.getMessage());
        }
    }

    /** Direct changes come from their owner only (a batch with one foreign entry is refused whole). */
    private void mergeOwn(String from, TableMessage m, List<TableEvent> events) {
        EndpointTable t = tables.get(m.getNetworkId());
        if (t == null) {
            reject(from, m, "not taking part");
            return;
        }
        for (TableEvent e : events) {
            if (!e.version().owner().equals(from)) {
                reject(from, m, "event owned by " + e.version().owner());
                return;
            }
        }
        Instant now = clock.instant();
        List<TableEvent> admitted = gate.admit(from, t, events);
        var out = new ArrayList<ViewChange>(t.mergeAll(admitted, now));
        admitted.forEach(e -> inFlight.sent(m.getNetworkId(), e, now));
        afterMerge(m.getNetworkId(), t, admitted, out, now);
    }

    private void onDigest(String from, TableMessage m) {
        String networkId = m.getNetworkId();
        EndpointTable t = tables.get(networkId);
        if (t == null || !participants.getOrDefault(networkId, Set.of()).contains(from)) {
            reject(from, m, "not a participant"); // never hand a network's state to a non-participant
            return;
        }
        Digest peer = TableCodec.fromProto(m.getDigest());
        Instant now = clock.instant();
        List<TableEvent> lacking = t.diff(peer, now);
        if (peer.bucketHashes().stream().anyMatch(h -> h != 0)) { // an empty table (a joiner) gets everything
            lacking = inFlight.settled(networkId, lacking, now);
        }
        if (!lacking.isEmpty()) {
            TableMessages.pages(networkId, lacking, config.pageLimits()).forEach(p -> send.accept(from, p));
        }
        // Sent after the pages (same connection, in order), so the peer diffs against its repaired state.
        Digest mine = t.digest(peer.buckets());
        if (m.getDigest().getReply() && !mine.equals(peer)) {
            send.accept(from, TableMessages.digest(networkId, mine, false));
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
        Instant now = clock.instant();
        List<TableEvent> admitted = gate.admit(from, t, page.events()); // relayed: each entry checked alone
        var out = new ArrayList<ViewChange>(t.mergeAll(admitted, now));
        if (!out.isEmpty()) {
            repairs.merge(m.getNetworkId(), (long) out.size(), Long::sum);
        }
        afterMerge(m.getNetworkId(), t, admitted, out, now);
    }

    /** The owner is the authority on its own entries (see {@link TableReplicator}). */
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
                write(networkId, t, id, written.record(), written.seal().grant(), out);
            } else if (written == null && stored instanceof TableEvent.Upserted) {
                mine.inherited(id, now);
            }
        }
        publish(networkId, out);
    }

    // ---- timers ----

    void antiEntropy() {
        tables.forEach((networkId, t) -> {
            List<String> peers = peers(networkId);
            if (!peers.isEmpty()) {
                String p = peers.get(random.nextInt(peers.size()));
                send.accept(p, TableMessages.sizedDigest(t, config.digestBuckets()));
            }
        });
    }

    void housekeeping() {
        Instant now = clock.instant();
        for (String node : graces.expire(now)) {
            LOG.info("node {} did not return within its restart grace", node);
            markAbsent(node, false, now);
        }
        tables.forEach((networkId, t) -> {
            t.tick(now);
            // Own entries of an earlier life that the agent has not re-created within the window: withdraw.
            for (String id : own.get(networkId).staleInherited(now.minus(config.reclaimWindow()))) {
                if (t.entry(id).orElse(null) instanceof TableEvent.Upserted u && u.version().owner().equals(localNode)) {
                    withdraw(networkId, t, id, now);
                }
            }
        });
        absent.values().removeIf(a -> a.since().plus(config.reapInterval()).isBefore(now));
        inFlight.expire(now);
    }

    // ---- internals ----

    private void write(String networkId, EndpointTable t, String endpointId, EndpointRecord r, SignedGrant grant,
                       List<ViewChange> out) {
        EndpointTable.LocalChange lc = t.upsert(endpointId, r, grant);
        own.get(networkId).wrote(endpointId, (TableEvent.Upserted) lc.event());
        queue(networkId, lc.event());
        lc.change().ifPresent(out::add);
    }

    private void withdraw(String networkId, EndpointTable t, String endpointId, Instant now) {
        t.delete(endpointId, now).ifPresent(lc -> {
            queue(networkId, lc.event());
            lc.change().ifPresent(c -> publish(networkId, List.of(c)));
        });
    }

    /** Participants other than this node and not known to be gone, sorted (a seeded random then picks alike). */
    private List<String> peers(String networkId) {
        var out = new ArrayList<String>();
        for (String p : participants.getOrDefault(networkId, Set.of())) {
            if (!p.equals(localNode) && !absent.containsKey(p)) {
                out.add(p);
            }
        }
        out.sort(null);
        return out;
    }

    private void queue(String networkId, TableEvent e) {
        inFlight.sent(networkId, e, clock.instant());
        outbox.send(networkId, e);
    }

    /**
     * Sends the queued own changes (scoped: to the network's participants only, never every member), then
     * gives the listener the view changes gathered since, one call per network.
     */
    void flush() {
        outbox.drain(this::sendOwn, (networkId, changes) -> {
            try {
                listener.onChanges(networkId, changes);
            } catch (RuntimeException e) {
                LOG.error("table listener failed network={}", networkId, e);
            }
        });
    }

    private void sendOwn(String networkId, List<TableEvent> events) {
        List<TableMessage> messages = TableMessages.events(networkId, events, config.pageLimits());
        for (String p : participants.getOrDefault(networkId, Set.of())) {
            if (!p.equals(localNode)) {
                messages.forEach(m -> send.accept(p, m));
            }
        }
    }

    /** To the listener at the next flush, behind the tasks already queued (see {@link Outbox}). */
    private void publish(String networkId, List<ViewChange> changes) {
        outbox.publish(networkId, changes);
    }

    private void reject(String from, TableMessage m, String why) {
        rejected.incrementAndGet();
        LOG.debug("table message dropped from={} network={} kind={}: {}", from, m.getNetworkId(), m.getKindCase(), why);
    }
}
