package io.jswarm.gossip;

import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.gossip.internal.ClaimGuard;
import io.jswarm.gossip.internal.DeadVerdict;
import io.jswarm.gossip.internal.DeathConfirmer;
import io.jswarm.gossip.internal.MemberView;
import io.jswarm.gossip.internal.MembershipMetrics;
import io.jswarm.gossip.internal.RejoinRounds;
import io.jswarm.gossip.internal.RecordClaims;
import io.jswarm.gossip.internal.RejoinSync;
import io.jswarm.gossip.internal.Rejoiner;
import io.jswarm.gossip.transport.TlsTransport;
import io.jswarm.gossip.transport.TransportLimits;
import io.jswarm.gossip.transport.TransportListener;
import io.jswarm.gossip.wire.MetadataCodecs;
import io.jswarm.gossip.wire.WireCodec;
import io.jswarm.gossip.wire.WireException;
import io.jswarm.proto.gossip.MemberMetadata;
import io.jswarm.proto.table.TableMessage;
import io.micrometer.core.instrument.MeterRegistry;
import io.scalecube.cluster.Cluster;
import io.scalecube.cluster.ClusterConfig;
import io.scalecube.cluster.ClusterImpl;
import io.scalecube.cluster.ClusterMessageHandler;
import io.scalecube.cluster.Member;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Membership} over scalecube-cluster 2.7.7 SWIM, with jswarm's mutual-TLS protobuf transport, a fast
 * confirmed-death path and flap damping (see the package notes). All state changes run on one
 * "jswarm-membership" thread, which also calls the listeners.
 */
public final class ScalecubeMembership implements Membership {
    private static final Logger LOG = LoggerFactory.getLogger(ScalecubeMembership.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(8);

    private enum State { NEW, RUNNING, STOPPED }

    private final IdentityKeyManager keys;
    /** The identity at construction: node id, role and cluster, which a renewal keeps. */
    private final NodeIdentity identity;
    private final MembershipConfig config;
    private final Predicate<String> revoked;
    private final MeterRegistry registry;
    private final long session = new SecureRandom().nextLong();
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final List<MembershipListener> listeners = new CopyOnWriteArrayList<>();
    private volatile MemberInfo self;
    private volatile Map<String, MemberInfo> snapshot = Map.of();
    private volatile BiConsumer<String, TableMessage> tableHandler = (peer, m) -> { };
    private ScheduledExecutorService executor;
    private MembershipMetrics metrics;
    private TlsTransport transport;
    private final TransportLimits transportLimits;
    private MemberView view;
    private DeathConfirmer confirmer;
    private RejoinRounds rejoin;
    private Cluster cluster;

    /**
     * Starts nothing.
     *
     * @param keys        this node's renewable credential (certificate and key), shared with its other TLS
     *                    endpoints: every gossip handshake presents the identity it holds then. Its CN is the
     *                    member id, its O the cluster
     * @param dataAddress the VXLAN underlay address published to peers
     * @param revoked     true for node ids removed from the cluster; checked at every TLS handshake
     * @param registry    where the gossip and membership meters go
     */
    public ScalecubeMembership(IdentityKeyManager keys, InetAddress dataAddress, MembershipConfig config,
                               Predicate<String> revoked, MeterRegistry registry) {
        this(keys, dataAddress, config, revoked, registry, TransportLimits.defaults());
    }

    /** @param transportLimits what the gossip port lets a connection hold (caps, partial frames) */
    public ScalecubeMembership(IdentityKeyManager keys, InetAddress dataAddress, MembershipConfig config,
                               Predicate<String> revoked, MeterRegistry registry, TransportLimits transportLimits) {
        this.transportLimits = Objects.requireNonNull(transportLimits, "transportLimits");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.identity = keys.identity();
        this.config = Objects.requireNonNull(config, "config");
        this.revoked = Objects.requireNonNull(revoked, "revoked");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.self = new MemberInfo(identity.nodeId(), identity.role(), dataAddress, config.advertise(), 0);
    }

    @Override
    public void start() {
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            throw new IllegalStateException("membership already started or stopped");
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jswarm-membership");
            t.setDaemon(true);
            return t;
        });
        metrics = new MembershipMetrics(registry);
        transport = new TlsTransport(keys, config.advertise(), revoked, config.maxFrameLength(),
                config.connectTimeout(), new WireCodec(this::onSuspectRecord, (id, incarnation) -> { }), registry,
                transportLimits);
        // Inbound SUSPECT records reach metrics and the rejoin rounds only once the guard let them through.
        transport.inboundFilter(ClaimGuard.standard(identity.nodeId(), registry,
                (id, hint) -> onLoop(() -> ownCheck(id, hint)), this::onSuspectRecord));
        view = new MemberView(config.flapHoldDown(), executor, this::publish, System::nanoTime);
        rejoin = new RejoinRounds(new Rejoiner(config.rejoinWindow(), System::nanoTime), transport, config);
        if (config.deathProbes() > 0) {
            confirmer = new DeathConfirmer(config.deathProbes(), config.deathProbeInterval(),
                    address -> transport.probe(address, config.deathProbeTimeout()), executor,
                    this::onConfirmedDead, (node, outcome) -> metrics.deathCheck(outcome));
        }
        transport.tableHandler((peer, m) -> tableHandler.accept(peer, m));
        transport.listener(new TransportListener() {
            @Override
            public void onPeerDisconnected(String nodeId) {
                onLoop(() -> suspectByNode(nodeId));
            }

            @Override
            public void onConnectRefused(String address) {
                onLoop(() -> view.byAddress(address).ifPresent(e -> suspectByNode(e.getKey())));
            }
        });
        try {
            cluster = new ClusterImpl(clusterConfig())
                    .transportFactory(() -> transportConfig -> transport)
                    .handler(c -> new ClusterMessageHandler() {
                        @Override
                        public void onMembershipEvent(io.scalecube.cluster.membership.MembershipEvent e) {
                            onLoop(() -> onScalecubeEvent(e));
                        }
                    })
                    .startAwait();
        } catch (RuntimeException e) {
            transport.stop().block(STOP_TIMEOUT);
            executor.shutdownNow();
            state.set(State.STOPPED);
            throw e;
        }
        MemberInfo s = self;
        self = new MemberInfo(s.nodeId(), s.role(), s.dataAddress(), MetadataCodecs.parseAddress(transport.address()),
                s.version());
        long every = config.rejoinInterval().toMillis();
        executor.scheduleWithFixedDelay(() -> {
            if (state.get() == State.RUNNING) {
                rejoin.round(snapshot.isEmpty());
            }
        }, every, every, TimeUnit.MILLISECONDS);
        LOG.info("membership started node={} gossip={} seeds={} config={}", s.nodeId(), transport.address(),
                config.seeds(), config);
    }

    private ClusterConfig clusterConfig() {
        List<String> seeds = config.seeds().stream().map(MetadataCodecs::format).toList();
        return ClusterConfig.defaultLanConfig()
                .memberId(identity.nodeId())
                .metadata(MetadataCodecs.toProto(self, session))
                .metadataCodec(new MetadataCodecs())
                .metadataTimeout(millis(config.metadataTimeout()))
                .transport(t -> t.connectTimeout(millis(config.connectTimeout()))
                        .maxFrameLength(config.maxFrameLength()))
                .failureDetector(fd -> fd.pingInterval(millis(config.pingInterval()))
                        .pingTimeout(millis(config.pingTimeout())).pingReqMembers(config.pingReqMembers()))
                .gossip(g -> g.gossipInterval(config.gossipInterval().toMillis())
                        .gossipFanout(config.gossipFanout()).gossipRepeatMult(config.gossipRepeatMult()))
                .membership(m -> m.seedMembers(seeds).syncInterval(millis(config.syncInterval()))
                        .syncTimeout(millis(config.syncTimeout())).suspicionMult(config.suspicionMult())
                        // Not a security boundary (TLS is); it only keeps clusters apart on a shared port by mistake.
                        .namespace("jswarm-" + identity.clusterId()));
    }

    @Override
    public void stop() {
        State was = state.getAndSet(State.STOPPED);
        if (was != State.RUNNING) {
            return;
        }
        LOG.info("membership leaving node={}", self.nodeId());
        try {
            cluster.shutdown();
            cluster.onShutdown().block(STOP_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.warn("membership stop did not complete cleanly node={} cause={}", self.nodeId(), e.toString());
            transport.stop().block(STOP_TIMEOUT);
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * Closes the transport at once without announcing a leave: what a crash looks like to peers (their
     * connections break, reconnects are refused). For tests and the failover benchmark.
     */
    public void crash() {
        if (state.getAndSet(State.STOPPED) == State.RUNNING) {
            transport.stop().block(STOP_TIMEOUT);
            cluster.shutdown(); // its leave gossip cannot go out any more; this only frees scalecube's threads
            executor.shutdownNow();
        }
    }

    /**
     * Removes a node from this node's view now and closes its connections: call it on every node when the
     * node was removed from the cluster, after adding its id to the {@code revoked} set (which keeps it from
     * reconnecting). Listeners see {@code Removed} with cause {@code REVOKED}. Returns without waiting.
     */
    public void evict(String nodeId) {
        if (state.get() != State.RUNNING) {
            return;
        }
        transport.disconnect(nodeId);
        onLoop(() -> view.entry(nodeId).ifPresent(e -> {
            if (confirmer != null) {
                confirmer.cancel(nodeId);
            }
            view.revoked(nodeId);
            transport.injectLocal(DeadVerdict.syncAck((Member) e.key(), transport.address()));
        }));
    }

    /**
     * Sends one table message to a member, point to point, best effort. Dropped (logged at debug, returns
     * false) when this membership is not running or the node is not a current member: the replicator's
     * anti-entropy repairs whatever is lost.
     */
    public boolean sendTable(String nodeId, TableMessage message) {
        Objects.requireNonNull(message, "message");
        MemberInfo target = snapshot.get(nodeId);
        if (state.get() != State.RUNNING || target == null) {
            LOG.debug("table message dropped: node={} is not a member", nodeId);
            return false;
        }
        transport.sendTo(nodeId, MetadataCodecs.format(target.gossipAddress()), WireCodec.tableMessage(message))
                .subscribe(null, e -> LOG.debug("table message to node={} failed: {}", nodeId, e.toString()));
        return true;
    }

    /**
     * Sets the receiver of table messages: (sender node id from the connection's TLS certificate, message).
     * Called on a Netty event loop; must hand off quickly. May be set before or after {@link #start()}.
     */
    public void onTableMessage(BiConsumer<String, TableMessage> handler) {
        this.tableHandler = Objects.requireNonNull(handler, "handler");
    }

    @Override
    public MemberInfo self() {
        return self;
    }

    @Override
    public Map<String, MemberInfo> members() {
        return snapshot;
    }

    @Override
    public void addListener(MembershipListener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    @Override
    public CompletableFuture<Void> updateMetadata(InetAddress dataAddress, long version) {
        if (state.get() != State.RUNNING) {
            return CompletableFuture.failedFuture(new IllegalStateException("membership not running"));
        }
        return CompletableFuture.supplyAsync(() -> {
            MemberInfo s = self;
            if (version <= s.version()) {
                throw new IllegalArgumentException("version must grow: " + version + " <= " + s.version());
            }
            MemberInfo next = new MemberInfo(s.nodeId(), s.role(), dataAddress, s.gossipAddress(), version);
            self = next;
            return MetadataCodecs.toProto(next, session);
        }, executor).thenCompose(proto -> cluster.updateMetadata(proto).toFuture());
    }

    private void onScalecubeEvent(io.scalecube.cluster.membership.MembershipEvent e) {
        Member m = e.member();
        String id = m.id();
        switch (e.type()) {
            case ADDED -> withMetadata(e.newMetadata(), m, true);
            case UPDATED -> withMetadata(e.newMetadata(), m, false);
            case LEAVING -> view.leaving(id);
            case REMOVED -> {
                if (confirmer != null) {
                    confirmer.cancel(id);
                }
                view.removed(id);
            }
        }
    }

    private void withMetadata(ByteBuffer metadata, Member m, boolean added) {
        if (confirmer != null) {
            confirmer.cancel(m.id()); // a new life of this member: any running check is about the old one
        }
        if (metadata == null || metadata.remaining() == 0) {
            if (added) {
                view.added(m.id(), m, m.address(), null, 0);
            }
            return;
        }
        try {
            MemberMetadata md = MetadataCodecs.parse(metadata);
            MemberInfo info = MetadataCodecs.toInfo(md, m.id(), m.address());
            if (added) {
                view.added(m.id(), m, m.address(), info, md.getSession());
            } else {
                view.updated(m.id(), m, m.address(), info, md.getSession());
            }
        } catch (WireException | IllegalArgumentException ex) {
            LOG.warn("member not admitted: invalid metadata node={} cause={}", m.id(), ex.getMessage());
        }
    }

    private void suspectByNode(String nodeId) {
        if (confirmer == null || state.get() != State.RUNNING || confirmer.isChecking(nodeId)) {
            return;
        }
        view.entry(nodeId).ifPresent(e -> {
            metrics.connectionSuspicion();
            confirmer.suspect(nodeId, e.address());
        });
    }

    /**
     * Someone else claimed that {@code nodeId} is dead, suspect, leaving or at a newer incarnation: the guard
     * dropped the claim, and this is all it may cause: ask the member itself for its table (its own record comes
     * back from it), and for a death claim also start the fast-path check, whose verdict needs refused connects.
     */
    private void ownCheck(String nodeId, RecordClaims.Hint hint) {
        if (state.get() != State.RUNNING) {
            return;
        }
        view.entry(nodeId).filter(MemberView.Entry::admitted).ifPresent(e -> {
            transport.send(e.address(), RejoinSync.request(transport.address()))
                    .subscribe(null, err -> LOG.debug("own check of node={} failed: {}", nodeId, err.toString()));
            if (hint == RecordClaims.Hint.CHECK && confirmer != null && !confirmer.isChecking(nodeId)) {
                confirmer.suspect(nodeId, e.address());
            }
        });
    }

    private void onConfirmedDead(String nodeId, String address) {
        view.entry(nodeId).filter(e -> e.address().equals(address)).ifPresent(e -> {
            view.confirmedDead(nodeId);
            transport.injectLocal(DeadVerdict.syncAck((Member) e.key(), transport.address()));
        });
    }

    /** Called on whatever thread encodes or decodes a SUSPECT gossip (ours or a peer's). */
    private void onSuspectRecord(String memberId, int incarnation) {
        metrics.suspectSeen(memberId, incarnation);
        onLoop(() -> {
            if (state.get() == State.RUNNING && !memberId.equals(self.nodeId())) {
                view.entry(memberId).filter(MemberView.Entry::admitted).ifPresent(e ->
                        rejoin.suspected(memberId, incarnation, e.address(), snapshot.size() + 1));
            }
        });
    }

    private void publish(MembershipEvent event) {
        // The view has already applied the change, so a listener reading members() sees it.
        snapshot = view.admitted();
        rejoin.onEvent(event);
        metrics.members(snapshot.size());
        LOG.info("membership event {} node={}", event.getClass().getSimpleName(), event.member().nodeId());
        metrics.event(event);
        for (MembershipListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException ex) {
                LOG.error("membership listener failed event={}", event, ex);
            }
        }
    }

    /** Runs on the membership thread; callbacks that race with stop() are dropped, not thrown at Netty. */
    private void onLoop(Runnable r) {
        try {
            executor.execute(r);
        } catch (RejectedExecutionException stopped) {
            LOG.debug("membership stopped, dropping a late callback");
        }
    }

    private static int millis(Duration d) {
        return Math.toIntExact(d.toMillis());
    }
}
