package io.jswarm.agent.net;

import io.jswarm.gossip.MemberInfo;
import io.jswarm.gossip.MembershipEvent;
import io.jswarm.gossip.replication.PeerMessenger;
import io.jswarm.gossip.replication.ReplicatorConfig;
import io.jswarm.gossip.replication.TableReplicator;
import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.DataKeys;
import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.cluster.NetworkAttachResponse;
import io.jswarm.proto.cluster.NetworkConnectRequest;
import io.jswarm.proto.cluster.NetworkDetachRequest;
import io.jswarm.proto.cluster.NetworkDisconnectRequest;
import io.jswarm.proto.cluster.NetworkDisconnectResponse;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NetworkInspectResponse;
import io.jswarm.proto.cluster.PendingRelease;
import io.jswarm.vxlan.Dataplane;
import io.jswarm.vxlan.ReconcileReport;
import io.jswarm.vxlan.kernel.XfrmLimits;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's side of overlay networks, as a thin facade: sandboxes and their endpoints (CNM), the network
 * namespaces they need, the endpoint tables shared with the other nodes of each network, and the DNS resolver
 * inside each sandbox. The manager hands out addresses ({@link ClusterApi}); the kernel is changed only
 * through the {@link Dataplane}; the tables travel through the {@link TableReplicator}.
 *
 * <p><b>One owner.</b> All of this node's network state belongs to one thread, the {@link AgentLoop}.
 * Operator commands run their steps there and wait for them; the manager round-trip of an attach and every
 * release run on the caller's (or a background) thread between loop steps, so a slow manager never holds
 * the loop. Views, table changes and membership events only enqueue. The pieces: {@link EndpointChanges}
 * (write-ahead attach and removal), {@link PeerWriter} (the one writer of kernel peers and names),
 * {@link Recovery} (restore, settle, reconcile, orphans), {@link Releases} (addresses the manager still holds),
 * {@link Attaches} (the operator commands attach, connect, detach and disconnect).
 */
public final class NetworkAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NetworkAgent.class);

    /**
     * @param stateDir       where {@link SandboxStore} keeps its file
     * @param settle         after replication starts, and after a member comes back, how long the tables get
     *                       to refill before peers they do not list are dropped (default 3 s: several
     *                       anti-entropy rounds)
     * @param reconcileEvery period of the repairing reconcile afterwards (default 30 s)
     * @param retryEvery     period of retrying releases the manager did not confirm (default 5 s)
     * @param firstViewWait  how long an attach right after a join waits for the manager's first view (default
     *                       10 s; the daemon passes its manager timeout: the view comes from the same manager)
     * @param espLimits      soft limits of every ESP SA (issue 11; default {@link #ESP_SOFT_BYTES} bytes,
     *                       {@link #ESP_SOFT_PACKETS} packets): at either the kernel reports an expire and the agent
     *                       asks the manager for a key rotation; no hard limits (the rotation replaces the SA)
     */
    public record Settings(Path stateDir, Duration settle, Duration reconcileEvery, Duration retryEvery,
                           Duration firstViewWait, XfrmLimits espLimits) {
        public static final long ESP_SOFT_BYTES = 1L << 40;
        public static final long ESP_SOFT_PACKETS = 1L << 31;

        public Settings {
            if (firstViewWait.isNegative()) {
                throw new IllegalArgumentException("first-view wait must not be negative: " + firstViewWait);
            }
            if (espLimits == null || espLimits.softBytes() == 0 || espLimits.softPackets() == 0) {
                throw new IllegalArgumentException("ESP soft limits must be positive (or infinite): " + espLimits);
            }
        }

        public Settings(Path stateDir, Duration settle, Duration reconcileEvery, Duration retryEvery,
                        Duration firstViewWait) {
            this(stateDir, settle, reconcileEvery, retryEvery, firstViewWait,
                    XfrmLimits.soft(ESP_SOFT_BYTES, ESP_SOFT_PACKETS));
        }

        public Settings(Path stateDir, Duration settle, Duration reconcileEvery, Duration retryEvery) {
            this(stateDir, settle, reconcileEvery, retryEvery, Duration.ofSeconds(10));
        }

        /** Soft limits of the ESP SAs: bytes and packets ({@link XfrmLimits#INFINITE}: none). */
        public Settings withEspLimits(long softBytes, long softPackets) {
            return new Settings(stateDir, settle, reconcileEvery, retryEvery, firstViewWait,
                    XfrmLimits.soft(softBytes, softPackets));
        }

        public static Settings defaults(Path stateDir) {
            return new Settings(stateDir, Duration.ofSeconds(3), Duration.ofSeconds(30), Duration.ofSeconds(5));
        }

        public Settings withFirstViewWait(Duration wait) {
            return new Settings(stateDir, settle, reconcileEvery, retryEvery, wait, espLimits);
        }
    }

    private final Settings settings;
    private final AgentLoop loop = new AgentLoop();
    private final AgentCore core;
    private final EndpointChanges changes;
    private final Recovery recovery;
    private final Releases releases;
    private final AddressLeases leases;
    private final OrphanChecks orphans;
    private final Attaches attaches;

    /** Starts nothing: {@link #start()} does. Metrics go nowhere. */
    public NetworkAgent(String nodeId, Supplier<ClusterApi> api, Dataplane dataplane, SandboxResolver dns, Settings settings) {
        this(nodeId, api, dataplane, dns, settings, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    /** Starts nothing: {@link #start()} does. Metrics are registered in {@code registry}. */
    public NetworkAgent(String nodeId, Supplier<ClusterApi> api, Dataplane dataplane, SandboxResolver dns, Settings settings,
                        io.micrometer.core.instrument.MeterRegistry registry) {
        this.settings = settings;
        this.core = new AgentCore(nodeId, api, dataplane, dns, new SandboxStore(settings.stateDir()), loop,
                new AgentMetrics(registry), settings.espLimits());
        this.changes = new EndpointChanges(core);
        this.recovery = new Recovery(core, changes);
        this.releases = new Releases(core);
        this.leases = new AddressLeases(core, changes, releases);
        this.orphans = new OrphanChecks(core, recovery, releases, System::nanoTime);
        this.attaches = new Attaches(core, changes, releases, leases, orphans, settings.firstViewWait());
        core.encryption.background = releases::background;
    }

    /**
     * Tests only (the daemon's {@code JSWARM_UNSAFE_CRASH_AT=STEP}): the process dies at once, as a SIGKILL would
     * kill it, when a write-ahead change reaches {@code step} (e.g. {@code attach:journaled}, {@code remove:kernel};
     * see {@link EndpointChanges}), so end-to-end tests can prove a restart finishes or undoes it.
     */
    public void haltAt(String step) {
        LOG.warn("JSWARM_UNSAFE_CRASH_AT={}: this daemon halts when a change reaches that step (tests only)", step);
        core.steps = reached -> {
            if (reached.equals(step)) {
                Runtime.getRuntime().halt(137);
            }
        };
    }

    /**
     * Binds this node's table entries to it (issue 9): its entry key signs them and the manager's grants name
     * it; received entries are believed only if they check out against {@code ca}. Call before {@link #start}.
     */
    public void trust(java.security.KeyPair entryKey, java.security.PublicKey ca) {
        core.trust = new EntryTrust(entryKey, ca);
    }

    /** Test seam: stop points of the write-ahead changes (see {@link AgentCore.Steps}). */
    void steps(AgentCore.Steps steps) {
        core.steps = steps;
    }

    /** The peer writer, for tests (read it on the loop: {@link #onLoop}). */
    PeerWriter peers() {
        return core.peers;
    }

    /** Runs {@code task} on the agent's loop and waits (tests). */
    <T> T onLoop(java.util.concurrent.Callable<T> task) throws IOException {
        return loop.call(task);
    }

    /** Releases the manager has not confirmed yet (tests). */
    int pendingReleases() {
        try {
            return loop.call(() -> core.local.releases().size());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The saved state, for tests that read it on the loop ({@link #onLoop}). */
    LocalState onLoopState() {
        return core.local;
    }

    /** Issue 12: one lease upkeep round now, on this thread (tests). */
    void leaseUpkeepNow() {
        leases.now();
    }

    /** A reconcile now, on the loop (tests). */
    ReconcileReport reconcileNow() throws IOException {
        return loop.call(core.kernel::reconcile);
    }

    /** The data plane's name for a network: the first 12 characters of its id (its namespace and devices). */
    static String specId(String networkId) {
        return networkId.length() <= 12 ? networkId : networkId.substring(0, 12);
    }

    /**
     * Starts the loop and puts back every sandbox and endpoint of the saved state without asking anyone;
     * changes a killed daemon left half-way are finished or undone. Failures are logged per endpoint.
     */
    public void start() throws IOException {
        // Before anything can write an SA: the outbound keys of earlier runs (and boots) are never written again.
        core.dataplane.useSentKeys(new SentKeysFile(settings.stateDir()));
        loop.start();
        List<PendingRelease> pending = loop.call(() -> {
            List<PendingRelease> p = recovery.restore();
            // Until the manager's first view: the saved participants, so the tables can refill from peers at once.
            core.view = ClusterView.newBuilder().addAllNetworks(core.local.views()).build();
            return p;
        });
        core.encryption.watch();
        releases.start(settings.retryEvery(), settings.retryEvery());
        leases.start(settings.retryEvery(), settings.retryEvery()); // claims pending from before a restart go first
        if (!pending.isEmpty()) {
            releases.background(() -> pending.forEach(releases::releaseNow));
        }
    }

    /**
     * The manager's ESP keys for this node (issue 11; any thread, never blocks): the SAs and policies follow on the
     * loop. Before the first one after a start nothing is deleted (live restore).
     */
    public void onDataKeys(DataKeys keys) {
        loop.post("data keys", () -> core.encryption.onKeys(keys));
    }

    /**
     * Who hears {@code DataKeys.state_index} once the kernel holds those SAs (the session's
     * {@code installed_keys_index}); called on the agent's loop, so it must not block.
     */
    public void onKeysInstalled(LongConsumer ack) {
        core.encryption.onInstalled(ack);
    }

    /** A new cluster view (any thread, never blocks): participants for the tables, this node's VTEP. */
    public void onView(ClusterView v) {
        if (v.getNodesCount() > 0) {
            orphans.afterView(); // once per start, a second after the first view
        }
        loop.post("view", () -> Views.apply(core, v));
        attaches.onView(v); // after the view's own step: a waiting attach goes on once it is applied
    }

    /**
     * Starts the endpoint tables once gossip runs: joins every network with local endpoints and publishes
     * them (with fresh versions that supersede this node's entries from before a restart).
     */
    public void startReplication(PeerMessenger messenger, ReplicatorConfig config) {
        loop.post("replication start", () -> {
            if (core.replicator != null) {
                return;
            }
            TableReplicator r = new TableReplicator(core.nodeId, messenger, config,
                    (net, ch) -> loop.post("table changes", () -> core.peers.onChanges(net, ch)),
                    java.time.InstantSource.system(), java.util.random.RandomGenerator.getDefault(),
                    core.trust.tableTrust());
            core.metrics.refusedEntries(r::refusedEntries);
            r.start();
            core.replicator = r;
            Views.apply(core, core.view);
            recovery.publishAll();
            loop.schedule("settle", settings.settle(), recovery::settle);
            loop.every("reconcile", settings.settle().plus(settings.reconcileEvery()), settings.reconcileEvery(),
                    recovery::reconcile);
        });
    }

    /**
     * A membership event (gossip's thread; never blocks). The tables hear of it first, directly; a member that
     * is back also lets this node, once its tables had time to refill, drop peers adopted from the kernel that
     * it no longer lists.
     */
    public void onMembership(MembershipEvent e) {
        TableReplicator r = core.replicator;
        if (r != null) {
            MembershipRouting.route(e, r);
        }
        MemberInfo back = switch (e) {
            case MembershipEvent.Joined j -> j.member();
            case MembershipEvent.Updated u -> u.member();
            default -> null;
        };
        if (back != null) {
            loop.schedule("member settled", settings.settle(), () -> core.peers.ownerSettled(back.dataAddress()));
        }
    }

    /**
     * Endpoints the manager records for this node that no local sandbox holds are released ({@link OrphanChecks}).
     * Not on the loop (it calls the manager). Returns how many, or -1 if an attach was in flight.
     */
    int releaseOrphans() throws IOException {
        return orphans.check(false);
    }

    /** The orphan check that runs once no write of unknown outcome can commit, now (tests): as {@link OrphanChecks#check}. */
    int settledOrphanCheckNow() throws IOException {
        return orphans.check(true);
    }

    /** A shorter unknown-outcome window for the orphan checks (tests; before {@link #start}). */
    void orphanWindow(Duration w) {
        orphans.window(w);
    }

    /** When the confirmed orphan check is due (System.nanoTime; 0: none pending; tests). */
    long orphansSettleAt() {
        return orphans.settleAt();
    }

    // ---- operator commands (gRPC threads; they wait for their loop steps): Attaches ----

    /** {@code network attach NET --name NAME}: a new sandbox namespace NAME with eth0 on NET. */
    public NetworkAttachResponse attach(NetworkAttachRequest req) throws IOException {
        return attaches.attach(req);
    }

    /** {@code network connect NET SANDBOX}: an existing named namespace or a namespace path. */
    public NetworkAttachResponse connect(NetworkConnectRequest req) throws IOException {
        return attaches.connect(req);
    }

    /** {@code network disconnect NET SANDBOX}. */
    public NetworkDisconnectResponse disconnect(NetworkDisconnectRequest req) throws IOException {
        return attaches.disconnect(req);
    }

    /** {@code network detach NAME}: every network of the sandbox; a sandbox attach made goes with the last. */
    public NetworkDisconnectResponse detach(NetworkDetachRequest req) throws IOException {
        return attaches.detach(req);
    }

    /** {@code network inspect}: the network as this node sees it. */
    public NetworkInspectResponse inspect(NetworkInspectRequest req) throws IOException {
        return loop.call(() -> Inspector.inspect(req.getNetwork(), core.view, core.local, core.peers, core.encryption));
    }

    /** SIGTERM (an upgrade or restart, not a leave): peers keep this node's entries for the grace period. */
    public void announceRestart() {
        core.replicator().ifPresent(r -> {
            LOG.info("stopping to restart: peers keep this node's endpoints for the restart grace; the kernel keeps "
                    + "forwarding");
            r.announceRestart(); // the grace is the replicator's (ReplicatorConfig.restartGrace)
        });
    }

    /** Stops tables, DNS and the loop; the kernel state stays (live restore). */
    @Override
    public void close() {
        core.encryption.close();
        releases.close();
        loop.close();
        core.replicator().ifPresent(TableReplicator::close);
        core.dns.close();
        core.metrics.close();
    }

    /**
     * {@code leave}: this node's sandboxes and networks go and, with {@code release}, the manager frees their
     * addresses (so the names can be used again after a new join).
     */
    public void teardown(boolean release) throws IOException {
        boolean leased = loop.call(() -> !core.local.leases().isEmpty());
        List<PendingRelease> done = loop.call(() -> Sandboxes.teardown(core));
        if (release && (!done.isEmpty() || leased)) { // the manager frees the node's leases with its endpoints
            try {
                core.api.get().releaseOwnEndpoints(); // one call for all, also orphans this node never saved
            } catch (RuntimeException e) {
                LOG.warn("manager did not release this node's endpoints; one by one error={}", e.toString());
                done.forEach(releases::releaseNow);
            }
        }
    }
}
