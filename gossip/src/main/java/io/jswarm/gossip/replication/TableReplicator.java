package io.jswarm.gossip.replication;

import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.gossip.table.ViewChange;
import io.jswarm.proto.table.TableMessage;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicates this node's per-network endpoint tables with the other participants of each network (NetworkDB
 * done right). One per node. Thread-safe: every call is handed to one "jswarm-tables" thread, which alone
 * touches table state ({@link ReplicaSet}) and calls the {@link Listener}, in order.
 *
 * <ul>
 *   <li><b>Scoped</b>: an event goes straight from its owner to the network's participants (never to every
 *       member), batched when the agent writes in bursts (one message per peer for everything queued behind
 *       it on the replicator thread). A node answers digests only from participants and ignores messages
 *       about networks it does not take part in. Direct events must be owned by their authenticated sender;
 *       pages may relay others' entries (that is how repair works).</li>
 *   <li><b>Anti-entropy</b> repairs any lost message: every {@link ReplicatorConfig#antiEntropyInterval()},
 *       per network, a digest to one random participant, answered with pages of what the sender lacks and,
 *       when the receiver lacks something itself, its own digest. Bulk state only ever travels as pages
 *       under {@link ReplicatorConfig#pageLimits()}, never as one frame.</li>
 *   <li><b>Restarts</b>: each table's Lamport clock starts at wall-clock epoch millis, so a restarted node (which
 *       lost its clock) issues versions above those of its previous life that peers still hold: clocks tick once
 *       per event, wall time once per millisecond, so this holds unless more events happened than milliseconds
 *       passed; every received version is witnessed too. Beyond that the owner is the authority on its own
 *       entries: a copy of an earlier life that beats a current write is overwritten with a newer version, and
 *       one this life did not re-create within {@link ReplicatorConfig#reclaimWindow()} is withdrawn.</li>
 *   <li><b>Liveness</b>: {@link #memberFailed} hides a node's entries (kept for the reap interval, restored by
 *       {@link #memberAlive}); {@link #memberLeft} tombstones them; a node that announced a restart keeps its
 *       entries visible through both until its grace expires.</li>
 * </ul>
 */
public final class TableReplicator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TableReplicator.class);

    /** Receives changes of a network's visible view, on the replicator thread, in order; must not block long. */
    public interface Listener {
        void onChanges(String networkId, List<ViewChange> changes);
    }

    private final String localNode;
    private final PeerMessenger messenger;
    private final ReplicatorConfig config;
    private final TaskLoop loop;
    private final RandomGenerator random;
    private final ReplicaSet replicas;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicLong sentMessages = new AtomicLong();
    private final AtomicLong sentBytes = new AtomicLong();
    private final AtomicLong receivedMessages = new AtomicLong();
    private final AtomicLong receivedBytes = new AtomicLong();
    private volatile Set<String> networkIds = Set.of();

    /** With the system clock and a randomly seeded generator; see the full constructor. */
    public TableReplicator(String localNode, PeerMessenger messenger, ReplicatorConfig config, Listener listener) {
        this(localNode, messenger, config, listener, InstantSource.system(), RandomGenerator.getDefault());
    }

    /**
     * Starts nothing: the thread is created on the first task; {@link #start()} adds the timers.
     *
     * @param clock  wall time: reap and grace deadlines, and each table's Lamport clock start (epoch millis)
     * @param random picks anti-entropy partners, join-exchange peers and the timers' phase; used on the
     *               replicator thread only, so it need not be thread-safe
     */
    public TableReplicator(String localNode, PeerMessenger messenger, ReplicatorConfig config, Listener listener,
                           InstantSource clock, RandomGenerator random) {
        this(localNode, messenger, config, listener, clock, random, new ExecutorLoop("jswarm-tables"), TableTrust.NONE);
    }

    /**
     * With {@code trust}: this node's writes are signed by its sealer, and every received entry must pass its
     * check (daemons: {@code gossip.grant.GrantAuthority}). Starts nothing.
     */
    public TableReplicator(String localNode, PeerMessenger messenger, ReplicatorConfig config, Listener listener,
                           InstantSource clock, RandomGenerator random, TableTrust trust) {
        this(localNode, messenger, config, listener, clock, random, new ExecutorLoop("jswarm-tables"), trust);
    }

    /** With a hand-stepped loop in tests. */
    TableReplicator(String localNode, PeerMessenger messenger, ReplicatorConfig config, Listener listener,
                    InstantSource clock, RandomGenerator random, TaskLoop loop) {
        this(localNode, messenger, config, listener, clock, random, loop, TableTrust.NONE);
    }

    /** With a hand-stepped loop and a trust in tests. */
    TableReplicator(String localNode, PeerMessenger messenger, ReplicatorConfig config, Listener listener,
                    InstantSource clock, RandomGenerator random, TaskLoop loop, TableTrust trust) {
        this.localNode = Objects.requireNonNull(localNode, "localNode");
        this.messenger = Objects.requireNonNull(messenger, "messenger");
        this.config = Objects.requireNonNull(config, "config");
        this.random = Objects.requireNonNull(random, "random");
        this.loop = Objects.requireNonNull(loop, "loop");
        this.replicas = new ReplicaSet(localNode, config, this::send, Objects.requireNonNull(listener, "listener"),
                () -> onLoop(this::flush), Objects.requireNonNull(clock, "clock"), random,
                Objects.requireNonNull(trust, "trust"));
    }

    /** Starts receiving and the timers: anti-entropy (randomly phased per node), reaping, restart-grace expiry. */
    public void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("replicator already started");
        }
        messenger.onMessage((from, m) -> {
            receivedMessages.incrementAndGet();
            receivedBytes.addAndGet(m.getSerializedSize());
            onLoop(() -> replicas.receive(from, m));
        });
        // On the loop, so that the generator is only ever used by one thread.
        onLoop(() -> {
            Duration ae = config.antiEntropyInterval();
            // A random phase keeps the nodes' rounds from lining up into bursts.
            Duration phase = Duration.ofNanos(random.nextLong(ae.toNanos() + 1));
            loop.scheduleWithFixedDelay(guarded(replicas::antiEntropy), phase, ae);
            Duration hk = config.housekeepingInterval();
            loop.scheduleWithFixedDelay(guarded(replicas::housekeeping), hk, hk);
        });
    }

    /** The nodes with endpoints on the network, from the manager's view (may include this node). */
    public void participants(String networkId, Set<String> nodeIds) {
        Set<String> copy = Set.copyOf(nodeIds);
        onLoop(() -> replicas.participants(networkId, copy));
    }

    /** Every node's data-path (VTEP) address from the manager's latest view: received entries must name it. */
    public void dataAddresses(Map<String, java.net.InetAddress> byNode) {
        Map<String, java.net.InetAddress> copy = Map.copyOf(byNode);
        onLoop(() -> replicas.dataAddresses(copy));
    }

    /** This node takes part: creates the table and exchanges full state with up to exchangeFanout participants. */
    public void join(String networkId) {
        requireText(networkId, "networkId");
        onLoop(() -> {
            replicas.join(networkId);
            networkIds = replicas.networks();
        });
    }

    /** This node stops taking part (after deleting its entries): drops the table; the listener gets Removed. */
    public void leave(String networkId) {
        onLoop(() -> {
            replicas.leave(networkId);
            networkIds = replicas.networks();
        });
    }

    /** A local endpoint; joins the network first if needed, then sends the event to every other participant. */
    public void upsert(String networkId, String endpointId, EndpointRecord r) {
        upsert(networkId, endpointId, r, io.jswarm.proto.table.SignedGrant.getDefaultInstance());
    }

    /** A local endpoint under the manager's grant for it, which travels (signed by this node) with every copy. */
    public void upsert(String networkId, String endpointId, EndpointRecord r, io.jswarm.proto.table.SignedGrant grant) {
        Objects.requireNonNull(grant, "grant");
        requireText(networkId, "networkId");
        requireText(endpointId, "endpointId");
        if (!r.ownerNode().equals(localNode)) {
            throw new IllegalArgumentException("local upsert of an endpoint owned by " + r.ownerNode());
        }
        onLoop(() -> {
            replicas.upsert(networkId, endpointId, r, grant);
            networkIds = replicas.networks();
        });
    }

    public void delete(String networkId, String endpointId) {
        onLoop(() -> replicas.delete(networkId, endpointId));
    }

    /** A snapshot of the visible view (empty if this node does not take part). */
    public Map<String, EndpointRecord> visible(String networkId) {
        return query(() -> replicas.visible(networkId), Map.of());
    }

    /** The networks this node takes part in. */
    public Set<String> networks() {
        return networkIds;
    }

    /** Membership removed the node without a graceful leave. */
    public void memberFailed(String node) {
        onLoop(() -> replicas.removedFromMembership(node, false));
    }

    /** Membership (re-)admitted the node. */
    public void memberAlive(String node) {
        onLoop(() -> replicas.memberAlive(node));
    }

    /** The node left gracefully (Leaving, or Removed with cause LEFT). */
    public void memberLeft(String node) {
        onLoop(() -> replicas.removedFromMembership(node, true));
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
        Objects.requireNonNull(grace, "grace");
        onLoop(() -> replicas.announceRestart(grace));
    }

    /**
     * Per network, the entries anti-entropy pages changed on this node so far (any thread): each is a change
     * the direct events had not brought (lost, late, or missed while away). For metrics.
     */
    public Map<String, Long> antiEntropyRepairs() {
        return replicas.repairs();
    }

    /** Received entries refused so far (clock bound or authority check), for metrics. */
    public long refusedEntries() {
        return replicas.refusedEntries();
    }

    public ReplicatorStats stats() {
        return new ReplicatorStats(sentMessages.get(), sentBytes.get(), receivedMessages.get(), receivedBytes.get(),
                replicas.rejected());
    }

    /** Stops the timers and the thread; later calls are dropped. */
    @Override
    public void close() {
        loop.close();
    }

    private void flush() {
        replicas.flush();
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

    private void onLoop(Runnable r) {
        try {
            loop.execute(guarded(r));
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
            return loop.call(c);
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
