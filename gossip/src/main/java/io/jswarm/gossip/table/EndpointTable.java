package io.jswarm.gossip.table;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One network's replicated endpoint table as pure merge logic: no I/O, no threads, no clock reads (every
 * time-dependent call takes {@code now}). Confine an instance to one thread.
 *
 * <p>Stored state is a last-writer-wins map from endpoint id to the newest {@link TableEvent} (upsert or
 * tombstone) by {@link Version}; it converges whatever order, duplication or loss the events suffer, given
 * anti-entropy ({@link #digest()} / {@link #diff}). The <em>visible</em> view is the live entries whose owner is
 * not absent; every mutator returns the {@link ViewChange}s of that view, which is what the agent programs.
 *
 * <p>Owner absence fixes Swarm's bug #9 (NetworkDB dropped a failed node's state, then rejected its events):
 * a failed owner's entries are hidden but kept, and restored by {@link #ownerAlive} if it returns before
 * {@code reapInterval}; after that they are dropped. Events from an absent owner are never rejected: they are
 * stored (hidden) and become visible as soon as the owner is alive again.
 */
public final class EndpointTable {

    /** Swarm's reapEntryInterval. */
    public static final Duration DEFAULT_REAP_INTERVAL = Duration.ofMinutes(30);
    public static final int DEFAULT_BUCKETS = 64;

    /** A stored entry; {@code reapAt} is set for tombstones only. */
    private record Stored(TableEvent event, Instant reapAt) {
        boolean live() {
            return event instanceof TableEvent.Upserted;
        }
    }

    /** The result of a local write: the event to gossip and the change to the local visible view. */
    public record LocalChange(TableEvent event, Optional<ViewChange> change) {
        public LocalChange {
            Objects.requireNonNull(event, "event");
            Objects.requireNonNull(change, "change");
        }
    }

    private final String networkId;
    private final String localNode;
    private final Duration reapInterval;
    private final int buckets;
    private final LamportClock clock;
    private final EntrySealer sealer;
    private final Map<String, Stored> entries = new HashMap<>();
    /** Failed or departed owners: their live entries are hidden, and dropped once the deadline passes. */
    private final Map<String, Instant> absentOwners = new HashMap<>();

    public EndpointTable(String networkId, String localNode) {
        this(networkId, localNode, DEFAULT_REAP_INTERVAL, DEFAULT_BUCKETS);
    }

    public EndpointTable(String networkId, String localNode, Duration reapInterval, int buckets) {
        this(networkId, localNode, reapInterval, buckets, 0);
    }

    /**
     * @param clockStart the Lamport time to start from; a replicator passes wall-clock epoch millis so that a
     *                   restarted node's new writes supersede the copies of its previous life that peers hold
     */
    public EndpointTable(String networkId, String localNode, Duration reapInterval, int buckets, long clockStart) {
        this(networkId, localNode, reapInterval, buckets, clockStart, EntrySealer.NONE);
    }

    /**
     * @param sealer signs this node's writes; with anything but {@link EntrySealer#NONE} the table also leaves
     *               unsigned entries (tombstones it derived itself from a graceful leave) out of what it sends,
     *               since no receiver would accept them
     */
    public EndpointTable(String networkId, String localNode, Duration reapInterval, int buckets, long clockStart,
                         EntrySealer sealer) {
        this.sealer = Objects.requireNonNull(sealer, "sealer");
        this.clock = new LamportClock(clockStart);
        this.networkId = requireText(networkId, "networkId");
        this.localNode = requireText(localNode, "localNode");
        this.reapInterval = Objects.requireNonNull(reapInterval, "reapInterval");
        if (reapInterval.isNegative() || reapInterval.isZero()) {
            throw new IllegalArgumentException("reapInterval must be positive: " + reapInterval);
        }
        new Digest(Collections.nCopies(buckets, 0L)); // validates the bucket count
        this.buckets = buckets;
    }

    public String networkId() {
        return networkId;
    }

    public String localNode() {
        return localNode;
    }

    public long lamportTime() {
        return clock.time();
    }

    // ---- local writes (by the owner) ----

    /** Creates or updates an endpoint owned by this node. */
    public LocalChange upsert(String endpointId, EndpointRecord record) {
        return upsert(endpointId, record, Seal.NONE.grant());
    }

    /** Creates or updates an endpoint owned by this node, under the manager's grant for it (signed by the sealer). */
    public LocalChange upsert(String endpointId, EndpointRecord record, io.jswarm.proto.table.SignedGrant grant) {
        if (!record.ownerNode().equals(localNode)) {
            throw new IllegalArgumentException("local upsert of an endpoint owned by " + record.ownerNode());
        }
        TableEvent event = sealer.seal(networkId, new TableEvent.Upserted(endpointId,
                new Version(clock.tick(), localNode), record, new Seal(grant, com.google.protobuf.ByteString.EMPTY)));
        return new LocalChange(event, apply(event, null));
    }

    /** Deletes an endpoint owned by this node; empty if there is no live local entry with that id. */
    public Optional<LocalChange> delete(String endpointId, Instant now) {
        Stored s = entries.get(endpointId);
        if (s == null || !s.live() || !s.event().version().owner().equals(localNode)) {
            return Optional.empty();
        }
        // Under the same grant as the entry it withdraws, so receivers can check who withdrew it.
        var grant = new Seal(s.event().seal().grant(), com.google.protobuf.ByteString.EMPTY);
        TableEvent event = sealer.seal(networkId,
                new TableEvent.Deleted(endpointId, new Version(clock.tick(), localNode), reapInterval, grant));
        return Optional.of(new LocalChange(event, apply(event, now.plus(reapInterval))));
    }

    // ---- remote events ----

    /**
     * Merges a remote event (gossip or bulk page); returns the change to the visible view, if any. Events are
     * never rejected for their owner's liveness (Swarm's bug #9). An event about this node's own endpoint (a
     * copy from before a restart) is merged like any other; the clock moves past it, so the agent's next
     * {@link #upsert}/{@link #delete} of that endpoint wins everywhere.
     */
    public Optional<ViewChange> merge(TableEvent event, Instant now) {
        clock.witness(event.version().lamport());
        Stored existing = entries.get(event.endpointId());
        if (existing != null && !wins(event, existing.event())) {
            return Optional.empty(); // older or duplicate
        }
        Instant reapAt = switch (event) {
            case TableEvent.Upserted u -> null;
            case TableEvent.Deleted d -> now.plus(min(d.residualReap(), reapInterval));
        };
        return apply(event, reapAt);
    }

    /**
     * Whether {@link #merge} would store {@code event}: false for a copy of the stored entry or an older one,
     * which change nothing (anti-entropy pages resend whole buckets, relays repeat what owners sent directly),
     * so a receiver need not check them before merging.
     */
    public boolean takes(TableEvent event) {
        Stored existing = entries.get(event.endpointId());
        return existing == null || wins(event, existing.event());
    }

    /** Merges every event of a page, returning the visible changes in order. */
    public List<ViewChange> mergeAll(List<TableEvent> events, Instant now) {
        var out = new ArrayList<ViewChange>();
        events.forEach(e -> merge(e, now).ifPresent(out::add));
        return out;
    }

    // ---- owner liveness (from membership) ----

    /** The owner failed (SWIM declared it dead): hide its entries, keep them for {@code reapInterval}. */
    public List<ViewChange> ownerFailed(String node, Instant now) {
        requireRemote(node);
        if (absentOwners.containsKey(node)) {
            return List.of(); // already absent: keep the first deadline
        }
        var out = new ArrayList<ViewChange>();
        for (Stored s : sortedLiveOf(node)) {
            var u = (TableEvent.Upserted) s.event();
            out.add(new ViewChange.Removed(u.endpointId(), u.record()));
        }
        absentOwners.put(node, now.plus(reapInterval));
        return out;
    }

    /** The owner is (back) alive: restore its entries that were not reaped, and accept its events as visible. */
    public List<ViewChange> ownerAlive(String node) {
        requireRemote(node);
        if (absentOwners.remove(node) == null) {
            return List.of();
        }
        var out = new ArrayList<ViewChange>();
        for (Stored s : sortedLiveOf(node)) {
            var u = (TableEvent.Upserted) s.event();
            out.add(new ViewChange.Added(u.endpointId(), u.record()));
        }
        return out;
    }

    /**
     * The owner left gracefully: tombstone its entries at once. Each tombstone's version is the entry's
     * lamport + 1 under the same owner, so every replica derives the same tombstone independently. The owner
     * stays absent for {@code reapInterval} so a late relayed upsert of it cannot reappear in the view.
     */
    public List<ViewChange> ownerLeft(String node, Instant now) {
        requireRemote(node);
        boolean wasVisible = !absentOwners.containsKey(node);
        var out = new ArrayList<ViewChange>();
        for (Stored s : sortedLiveOf(node)) {
            var u = (TableEvent.Upserted) s.event();
            var tomb = new TableEvent.Deleted(u.endpointId(), new Version(Math.addExact(u.version().lamport(), 1), node),
                    reapInterval);
            clock.witness(tomb.version().lamport());
            entries.put(u.endpointId(), new Stored(tomb, now.plus(reapInterval)));
            if (wasVisible) {
                out.add(new ViewChange.Removed(u.endpointId(), u.record()));
            }
        }
        absentOwners.put(node, now.plus(reapInterval));
        return out;
    }

    public boolean isAbsent(String node) {
        return absentOwners.containsKey(node);
    }

    // ---- reaping ----

    /**
     * Drops tombstones past their reap time and the entries of owners absent for longer than the reap
     * interval. The visible view does not change (both were already invisible). Returns the number dropped.
     * The absent mark itself stays until {@link #ownerAlive}, so re-synced copies of a dead owner's entries
     * stay hidden and are dropped again by the next tick.
     */
    public int tick(Instant now) {
        int before = entries.size();
        entries.values().removeIf(s -> {
            if (s.reapAt() != null) {
                return !now.isBefore(s.reapAt());
            }
            Instant deadline = absentOwners.get(s.event().version().owner());
            return deadline != null && !now.isBefore(deadline);
        });
        return before - entries.size();
    }

    // ---- views ----

    /** The visible view, sorted by endpoint id. */
    public Map<String, EndpointRecord> visible() {
        var out = new TreeMap<String, EndpointRecord>();
        entries.forEach((id, s) -> {
            if (s.event() instanceof TableEvent.Upserted u && !absentOwners.containsKey(u.version().owner())) {
                out.put(id, u.record());
            }
        });
        return out;
    }

    /** All stored state (tombstones and hidden entries included), sorted by id; tombstones carry residual time. */
    public List<TableEvent> snapshot(Instant now) {
        var out = new ArrayList<TableEvent>();
        new TreeMap<>(entries).forEach((id, s) -> out.add(export(s, now)));
        return out;
    }

    /** The stored event for an endpoint id (tombstones and hidden entries included, tombstones as stored). */
    public Optional<TableEvent> entry(String endpointId) {
        Stored s = entries.get(endpointId);
        return s == null ? Optional.empty() : Optional.of(s.event());
    }

    public int size() {
        return entries.size();
    }

    // ---- anti-entropy ----

    public Digest digest() {
        return digest(buckets);
    }

    /**
     * The digest at another bucket count (a power of two up to {@link Digest#MAX_BUCKETS}): a replica sizes its
     * digest to its table, and the peer answers at the same count, so replicas need not agree on one.
     */
    public Digest digest(int bucketCount) {
        new Digest(Collections.nCopies(bucketCount, 0L)); // validates the bucket count
        long[] sums = new long[bucketCount];
        entries.forEach((id, s) -> sums[bucketOf(id, bucketCount)] += entryHash(s.event()));
        return new Digest(java.util.Arrays.stream(sums).boxed().toList());
    }

    /**
     * The entries (tombstones included) in every bucket where the peer's digest differs from ours at the
     * peer's bucket count, sorted by id: sending them lets the peer catch up; the peer runs the same diff
     * against our digest for the other direction.
     */
    public List<TableEvent> diff(Digest peer, Instant now) {
        int n = peer.buckets();
        Digest mine = digest(n);
        var out = new ArrayList<TableEvent>();
        new TreeMap<>(entries).forEach((id, s) -> {
            int b = bucketOf(id, n);
            if (!mine.bucketHashes().get(b).equals(peer.bucketHashes().get(b))
                    && (sealer == EntrySealer.NONE || s.event().seal().signed())) {
                out.add(export(s, now));
            }
        });
        return out;
    }

    // ---- internals ----

    /** Stores the event and reports the visible change it causes. */
    private Optional<ViewChange> apply(TableEvent event, Instant reapAt) {
        Stored old = entries.put(event.endpointId(), new Stored(event, reapAt));
        EndpointRecord before = old == null ? null : visibleRecord(old.event());
        EndpointRecord after = visibleRecord(event);
        String id = event.endpointId();
        if (before == null) {
            return after == null ? Optional.empty() : Optional.of(new ViewChange.Added(id, after));
        }
        if (after == null) {
            return Optional.of(new ViewChange.Removed(id, before));
        }
        return before.equals(after) ? Optional.empty() : Optional.of(new ViewChange.Updated(id, before, after));
    }

    private EndpointRecord visibleRecord(TableEvent event) {
        return switch (event) {
            case TableEvent.Upserted u -> absentOwners.containsKey(u.version().owner()) ? null : u.record();
            case TableEvent.Deleted d -> null;
        };
    }

    /**
     * Whether {@code incoming} replaces {@code current}: newer version wins; on an equal version (only possible
     * for ownerLeft tombstones or a misbehaving owner) a tombstone wins, then the record larger in
     * {@link RecordOrder}'s frozen byte encoding, so that every replica of every version picks the same winner.
     */
    static boolean wins(TableEvent incoming, TableEvent current) {
        int c = incoming.version().compareTo(current.version());
        if (c != 0) {
            return c > 0;
        }
        if (incoming.equals(current)) {
            return false; // the same event again (anti-entropy resends whole buckets): skip the byte comparison
        }
        return switch (incoming) {
            case TableEvent.Deleted d -> current instanceof TableEvent.Upserted;
            case TableEvent.Upserted u -> current instanceof TableEvent.Upserted cu
                    && RecordOrder.compare(u.record(), cu.record()) > 0;
        };
    }

    private TableEvent export(Stored s, Instant now) {
        return switch (s.event()) {
            case TableEvent.Upserted u -> u;
            case TableEvent.Deleted d -> {
                Duration left = Duration.between(now, s.reapAt());
                yield new TableEvent.Deleted(d.endpointId(), d.version(), left.isNegative() ? Duration.ZERO : left,
                        d.seal());
            }
        };
    }

    private List<Stored> sortedLiveOf(String node) {
        var out = new ArrayList<Stored>();
        new TreeMap<>(entries).forEach((id, s) -> {
            if (s.live() && s.event().version().owner().equals(node)) {
                out.add(s);
            }
        });
        return out;
    }

    private void requireRemote(String node) {
        requireText(node, "node");
        if (node.equals(localNode)) {
            // The local node's own entries follow its own writes, never a liveness verdict about itself.
            throw new IllegalArgumentException("liveness of the local node " + node);
        }
    }

    static int bucketOf(String id, int buckets) {
        return (int) (mix(fnv(id)) & (buckets - 1));
    }

    /** Hash of what identifies an entry's state; the record is covered by the version (one value per version). */
    static long entryHash(TableEvent e) {
        long h = fnv(e.endpointId());
        h = mix(h ^ mix(e.version().lamport()));
        h = mix(h ^ fnv(e.version().owner()));
        return mix(h ^ (e instanceof TableEvent.Deleted ? 0x9E3779B97F4A7C15L : 0L));
    }

    private static long fnv(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return h;
    }

    /** SplitMix64 finaliser: spreads bits so sums of hashes do not cancel by accident. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String requireText(String s, String what) {
        Objects.requireNonNull(s, what);
        if (s.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return s;
    }
}
