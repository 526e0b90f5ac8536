package io.jswarm.manager.api;

import io.jswarm.manager.state.StateStore;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.CertificateRequest;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.JoinToken;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.manager.state.EndpointQuota;
import io.jswarm.manager.ports.ApiPort;
import io.jswarm.manager.ports.JoinGate;
import io.jswarm.manager.state.Applied;
import io.jswarm.manager.state.LocalCommandLog;
import io.jswarm.manager.state.ManagerStore;
import io.jswarm.manager.tls.Tls;
import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.SessionDownstream;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.AddressPool;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.InitCluster;
import io.jswarm.proto.state.RemoveNode;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager role of a node: the cluster CA, the durable {@link StateStore}, the mutual-TLS Dispatcher
 * API and the agents' sessions. Created by {@link #bootstrap} ({@code jswarm init}) or reopened from its
 * directory after a restart by {@link #open}; {@link #start} binds the port. One manager per cluster for now
 * (the command log is local; a replicated log slots in behind {@code CommandLog}). Joins live in
 * {@link Joins}, the network API in {@link Networks} behind the authorised {@link ManagerApi}.
 *
 * <p>Directory layout ({@code swarmDir}): {@code ca/} (root key and the join secrets' seal key, 0600),
 * {@code certificates/} (this node's
 * identity), {@code raft/} (command log and snapshots).
 */
public final class ManagerNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ManagerNode.class);

    private final Path swarmDir;
    private final ManagerConfig config;
    private final InstantSource clock;
    private final CertificateAuthority ca;
    private final JoinSecrets secrets;
    private final StateStore store;
    private final IdentityKeyManager keys;
    private final SessionRegistry sessions;
    private final NodeTable table;
    private final Joins joins = new Joins(this);
    private final Promotions promotions = new Promotions(this);
    private final ManagerApi api = new ManagerApi(this, new Networks(this));
    private final ScheduledExecutorService timer;
    private final EndpointQuota endpointQuota;
    private final KeyService keyService;
    private final java.util.concurrent.atomic.AtomicBoolean pushQueued = new java.util.concurrent.atomic.AtomicBoolean();
    private final ApiPort apiPort;
    private final JoinGate joinGate;
    private Server server;
    private final List<java.util.function.Consumer<ClusterView>> viewListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    private ManagerNode(Path swarmDir, ManagerConfig config, EndpointQuota endpointQuota, InstantSource clock,
                        CertificateAuthority ca, JoinSecrets secrets, StateStore store, IdentityKeyManager keys,
                        io.jswarm.manager.keys.KeyRotationConfig keyRotation, io.jswarm.encryption.SecretSeal seal) {
        this.swarmDir = swarmDir;
        this.endpointQuota = java.util.Objects.requireNonNull(endpointQuota);
        this.config = config;
        this.clock = clock;
        this.ca = ca;
        this.secrets = secrets;
        this.store = store;
        this.keys = keys;
        NodeIdentity identity = keys.identity();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jswarm-manager-timer");
            t.setDaemon(true);
            return t;
        });
        this.sessions = new SessionRegistry(clock, config.heartbeatTimeout(), this::viewChangedSoon);
        this.table = new NodeTable(store, sessions, identity.nodeId(), clock);
        this.apiPort = new ApiPort(config.limits());
        this.joinGate = new JoinGate(config.limits(), System::nanoTime);
        this.keyService = new KeyService(this, keyRotation, seal, clock, new java.security.SecureRandom());
    }

    /**
     * Creates a new cluster in {@code swarmDir}: root CA, this node's manager certificate, and the log with
     * InitCluster and this node. Returns the new identity; {@link #open} then serves it.
     */
    public static NodeIdentity bootstrap(Path swarmDir, InitParams p, InstantSource clock) throws IOException {
        return bootstrap(swarmDir, p, "", clock);
    }

    /**
     * {@link #bootstrap(Path, InitParams, InstantSource)} with this manager's Raft address (host:port) recorded
     * in its AddNode. The two commands go to a one-manager log that {@link #open} moves onto the replicated log
     * as its first entry (the path every older data directory takes too).
     */
    public static NodeIdentity bootstrap(Path swarmDir, InitParams p, String raftAddr, InstantSource clock) throws IOException {
        String clusterId = Identifiers.newId();
        String nodeId = Identifiers.newId();
        CertificateAuthority ca = CertificateAuthority.create(clusterId, CertificateAuthority.DEFAULT_ROOT_VALIDITY, clock);
        ca.store(swarmDir.resolve("ca"));
        JoinSecrets secrets = JoinSecrets.open(swarmDir.resolve("ca"), new java.security.SecureRandom());
        NodeIdentity identity = ca.issue(nodeId, Role.MANAGER, p.certExpiry());
        identity.store(swarmDir.resolve("certificates"));
        long now = clock.millis();
        try (ManagerStore store = ManagerStore.open(LocalCommandLog.open(swarmDir.resolve("raft")), ManagerStore.DEFAULT_SNAPSHOT_EVERY)) {
            X509Certificate root = ca.certificate();
            var worker = io.jswarm.proto.state.Role.ROLE_WORKER;
            var manager = io.jswarm.proto.state.Role.ROLE_MANAGER;
            commit(store, Command.newBuilder().setInitCluster(InitCluster.newBuilder()
                    .setClusterId(clusterId).setCaCertificateDer(der(root))
                    .setWorkerTokenSealed(com.google.protobuf.ByteString.copyFrom(
                            secrets.seal(clusterId, worker, JoinToken.generate(root).secret())))
                    .setManagerTokenSealed(com.google.protobuf.ByteString.copyFrom(
                            secrets.seal(clusterId, manager, JoinToken.generate(root).secret())))
                    .setDefaultAddressPool(AddressPool.newBuilder().addAllCidrs(p.addrPools()).setMaskLength(p.maskLength()))
                    .setDataPathPort(p.dataPathPort()).setNodeCertValiditySeconds(p.certExpiry().toSeconds())
                    .setCreatedAtMillis(now)).build());
            commit(store, Command.newBuilder().setAddNode(AddNode.newBuilder().setNodeId(nodeId)
                    .setHostname(p.hostname()).setRole(io.jswarm.proto.state.Role.ROLE_MANAGER)
                    .setAdvertiseAddr(p.advertiseAddr()).setDataPathAddr(p.dataPathAddr())
                    .setManagerAddr(p.managerAddr()).setRaftAddr(raftAddr)
                    .setEngineVersion(p.engineVersion()).setJoinedAtMillis(now)).build());
        }
        LOG.info("swarm initialized cluster={} node={}", clusterId, nodeId);
        return identity;
    }

    /**
     * {@code init --force-new-cluster}, on a stopped manager's directory: its replica's state (what this manager
     * last applied) becomes the first entry of a new log with this node as the only manager; the other managers
     * become workers in the state (their Raft peers are no longer trusted; they can be removed, or join again).
     * Whole or nothing: the one-manager log is written beside the old Raft storage, which is then moved aside in one
     * rename; a crash before the rename reopens the old cluster, after it {@link #open} migrates the new one.
     */
    public static void forceNewCluster(Path swarmDir, io.jswarm.proto.state.Snapshot state, String selfId) throws IOException {
        Path raft = swarmDir.resolve("raft");
        var nodes = state.getNodesList().stream().map(n -> n.getNodeId().equals(selfId) || n.getRole() != io.jswarm.proto.state.Role.ROLE_MANAGER
                ? n : n.toBuilder().setRole(io.jswarm.proto.state.Role.ROLE_WORKER).setRaftAddr("").build()).toList();
        var forced = state.toBuilder().clearNodes().addAllNodes(nodes).setLastAppliedIndex(0).build();
        LocalCommandLog.deleteIn(raft);
        try (LocalCommandLog log = LocalCommandLog.open(raft)) {
            log.compact(forced);
        }
        Path old = raft.resolve("ratis");
        if (java.nio.file.Files.exists(old)) {
            Path aside = raft.resolve("ratis.before-force-new-cluster");
            deleteTree(aside);
            java.nio.file.Files.move(old, aside, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            deleteTree(aside);
        }
        LOG.warn("forcing a new cluster from this manager's state node={} managersDemoted={}", selfId,
                state.getNodesList().stream().filter(n -> !n.getNodeId().equals(selfId)
                        && n.getRole() == io.jswarm.proto.state.Role.ROLE_MANAGER).count());
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!java.nio.file.Files.exists(dir)) {
            return;
        }
        try (var all = java.nio.file.Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
    }

    /** The full state this manager last applied (for {@link #forceNewCluster}). */
    public io.jswarm.proto.state.Snapshot stateSnapshot() {
        return store.snapshot();
    }

    /** Reopens the manager state in {@code swarmDir} (after {@link #bootstrap} or a restart). Starts nothing. */
    public static ManagerNode open(Path swarmDir, ManagerConfig config, InstantSource clock) throws IOException {
        return open(swarmDir, config, EndpointQuota.DEFAULT, clock);
    }

    /** {@link #open(Path, ManagerConfig, InstantSource)} with the endpoint quota every attach is held to. */
    public static ManagerNode open(Path swarmDir, ManagerConfig config, EndpointQuota endpointQuota, InstantSource clock)
            throws IOException {
        return open(swarmDir, config, endpointQuota, io.jswarm.manager.keys.KeyRotationConfig.DEFAULTS, clock);
    }

    /** {@link #open(Path, ManagerConfig, EndpointQuota, InstantSource)} with when the data-plane keys rotate. */
    public static ManagerNode open(Path swarmDir, ManagerConfig config, EndpointQuota endpointQuota,
                                   io.jswarm.manager.keys.KeyRotationConfig keyRotation, InstantSource clock)
            throws IOException {
        CertificateAuthority ca = CertificateAuthority.load(swarmDir.resolve("ca"), clock);
        JoinSecrets secrets = JoinSecrets.open(swarmDir.resolve("ca"), new java.security.SecureRandom());
        NodeIdentity identity = NodeIdentity.load(swarmDir.resolve("certificates"));
        if (!identity.clusterId().equals(ca.clusterId())) {
            throw new IOException("manager state in " + swarmDir + " does not belong to cluster " + ca.clusterId());
        }
        IdentityKeyManager keys = new IdentityKeyManager(identity);
        sealLegacyBeforeMigration(swarmDir.resolve("raft"), secrets);
        StateStore[] self = new StateStore[1];
        io.jswarm.manager.raft.ReplicatedStore store = io.jswarm.manager.raft.ReplicatedStore.open(
                swarmDir.resolve("raft"), ca.clusterId(), identity.nodeId(), config.raft(), keys, clock,
                id -> self[0] != null && self[0].view().isRemoved(id));
        self[0] = store;
        boolean ours = store.joining() || store.view().cluster().map(c -> c.getClusterId().equals(ca.clusterId())).orElse(false);
        if (!ours || !identity.clusterId().equals(ca.clusterId())) {
            store.close();
            throw new IOException("manager state in " + swarmDir + " does not belong to cluster " + ca.clusterId());
        }
        try {
            if (secrets.sealLegacy(store) > 0) {
                LOG.info("join secrets of an older version sealed; the command log no longer holds them in plaintext");
            }
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        // The data-key roots are sealed with the join secrets' key (ca/secrets.key), read again here.
        var seal = io.jswarm.encryption.SecretSeal.loadOrCreate(swarmDir.resolve("ca").resolve(JoinSecrets.KEY_FILE),
                new java.security.SecureRandom());
        return new ManagerNode(swarmDir, config, endpointQuota, clock, ca, secrets, store, keys, keyRotation, seal);
    }

    /**
     * A one-manager log of an older version may hold join secrets in plaintext: seal them there (and compact it)
     * before its state moves onto the replicated log, so no plaintext secret ever enters Ratis' files.
     */
    private static void sealLegacyBeforeMigration(Path raftDir, JoinSecrets secrets) throws IOException {
        if (!LocalCommandLog.existsIn(raftDir)) {
            return;
        }
        try (ManagerStore legacy = ManagerStore.open(LocalCommandLog.open(raftDir), ManagerStore.DEFAULT_SNAPSHOT_EVERY)) {
            if (secrets.sealLegacy(legacy) > 0) {
                LOG.info("join secrets of an older version sealed before the move onto the replicated log");
            }
        }
    }

    /** Binds the API port and starts heartbeats and certificate renewal. */
    public synchronized void start() throws IOException {
        var dispatcher = new DispatcherService(this);
        // Every connection is bounded (ports/ApiLimits): an outsider can hold only the unverified caps' worth.
        server = apiPort.configure(NettyServerBuilder.forAddress(config.listen()))
                .sslContext(Tls.server(keys, ca.certificate()))
                .addService(ServerInterceptors.intercept(dispatcher, new AuthInterceptor(table)))
                // Agents may ping to keep NATs open; do not punish them for it.
                .permitKeepAliveTime(1, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true)
                .build().start();
        long period = config.heartbeatPeriod().toMillis();
        timer.scheduleAtFixedRate(() -> guard("heartbeat", () -> sessions.tick(config.heartbeatPeriod())),
                period, period, TimeUnit.MILLISECONDS);
        timer.scheduleAtFixedRate(joinGate::flush, 10, 10, TimeUnit.SECONDS);
        // Checked every renewalRetry (a tenth of the lifetime, 1 s..1 min): a short --cert-expiry is renewed in
        // time too, and a failed renewal is tried again before the certificate runs out.
        long every = keys.identity().renewalRetry().toMillis();
        timer.scheduleAtFixedRate(() -> guard("renew", this::renewOwnCertificate), 0, every, TimeUnit.MILLISECONDS);
        keyService.start();
        // Commands other managers proposed are applied here too: every applied command reaches this manager's
        // sessions (coalesced, as local changes are).
        store.onApplied(v -> viewChangedSoon());
        if (store instanceof io.jswarm.manager.raft.ReplicatedStore r) {
            // A follower judges managers other than the leader by this node's liveness sources (gossip, sessions).
            r.reachability(id -> table.liveness(id) != NodeHealth.Liveness.DEAD);
            if (r.joining()) {
                // Its own thread: the timer carries heartbeats, and this waits for the leader's catch-up.
                Thread.ofPlatform().daemon().name("jswarm-raft-join").start(() -> addSelfToRaft(r));
            }
        }
        LOG.info("manager API listening addr={} node={} cluster={}", config.listen(), nodeId(), ca.clusterId());
    }

    /**
     * Adds a liveness source (gossip membership) that {@code node ls} combines with the sessions; call
     * before {@link #start}. The source should call {@code onChange} so the views are pushed promptly.
     */
    public void addHealthSource(NodeHealth source) {
        table.addHealth(source);
    }

    /** Who hears, once, that this manager's store broke for good (its Raft division stopped): only a restart helps. */
    public void onStoreBroken(java.util.function.Consumer<String> listener) {
        store.onBroken(listener);
    }

    /**
     * Called with the new view on every change, on the manager's timer thread (the manager node's own agent
     * needs the view its workers get over their sessions). Must not block long.
     */
    public void addViewListener(java.util.function.Consumer<ClusterView> listener) {
        viewListeners.add(listener);
    }

    /**
     * Called with this node's own {@link io.jswarm.proto.cluster.DataKeys} (what a worker gets on its session)
     * whenever they change, and once when added, on the manager's keys thread; must not block. The listener
     * reports what its kernel holds with {@link #ownKeysInstalled}.
     */
    public void addOwnKeysListener(java.util.function.Consumer<io.jswarm.proto.cluster.DataKeys> listener) {
        keyService.addOwnListener(listener);
    }

    /** This node's kernel holds the keys of the DataKeys with {@code stateIndex} (its upstream ack). */
    public void ownKeysInstalled(long stateIndex) {
        keyService.installed(nodeId(), stateIndex);
    }

    KeyService keyService() {
        return keyService;
    }

    /** Pushes the current view to every agent; for health sources whose verdict changed. */
    public void healthChanged() {
        viewChangedSoon();
    }

    public int port() {
        return server.getPort();
    }

    public String nodeId() {
        return keys.identity().nodeId();
    }

    public String clusterId() {
        return ca.clusterId();
    }

    public NodeIdentity identity() {
        return keys.identity();
    }

    /**
     * This node's one renewable TLS credential: the API server presents it, and the daemon builds its
     * gossip transport on it too, so the manager's own renewals reach every endpoint.
     */
    public IdentityKeyManager keys() {
        return keys;
    }

    public String managerAddr() {
        return config.managerAddr();
    }

    StateStore store() {
        return store;
    }

    /** Issue 12: where this manager keeps {@code ca/}, {@code certificates/} and {@code raft/}. */
    Path swarmDir() {
        return swarmDir;
    }

    JoinSecrets secrets() {
        return secrets;
    }

    CertificateAuthority ca() {
        return ca;
    }

    JoinGate joinGate() {
        return joinGate;
    }

    /** The API port's connection accounting (tests, metrics). */
    public ApiPort apiPort() {
        return apiPort;
    }

    SessionRegistry sessions() {
        return sessions;
    }

    NodeTable table() {
        return table;
    }

    InstantSource clock() {
        return clock;
    }

    String engineVersion() {
        return config.engineVersion();
    }

    Joins joins() {
        return joins;
    }

    /**
     * The network API, for a caller: remote nodes reach it through the Dispatcher, this manager's own node
     * in process with {@link #self} — both authorised alike.
     */
    public ManagerApi api() {
        return api;
    }

    /** This manager's node as a caller, from its current certificate (as a remote peer would see it). */
    public Caller self() {
        return Caller.of(keys.identity().certificate());
    }

    /** The current join token for {@code role}. */
    public JoinToken joinToken(Role role) {
        return joins.token(role);
    }

    /** Replaces the token for {@code role}; the old one stops working at once. */
    public JoinToken rotateJoinToken(Role role) {
        return joins.rotate(role);
    }

    public List<NodeInfo> nodes() {
        return table.nodes();
    }

    /** Issue 12: {@code node ls}: a consistent read, flagged possibly stale when no quorum confirmed it. */
    public io.jswarm.proto.cluster.ListNodesResponse listNodes() {
        return table.list();
    }

    /** Issue 12: the managers replicating the state, as this one sees them (leader, reachability). */
    public io.jswarm.manager.state.ManagerPeers managerPeers() {
        return store.peers();
    }

    /** Issue 12: {@code node promote}: {@code SetNodeRole(manager)}; the node switches when it sees it. */
    public io.jswarm.proto.cluster.PromoteNodeResponse promote(String ref) {
        return promotions.promote(ref);
    }

    /** Issue 12: {@code node demote}: out of the Raft configuration, then {@code SetNodeRole(worker)}. */
    public io.jswarm.proto.cluster.DemoteNodeResponse demote(String ref) {
        return promotions.demote(ref);
    }

    Promotions promotions() {
        return promotions;
    }

    public NodeInfo inspect(String ref) {
        return table.info(table.resolve(ref));
    }

    /** {@code node rm}: refuses managers, and nodes still up unless forced; revokes the node's identity. */
    public String remove(String ref, boolean force) {
        AddNode node = table.resolve(ref);
        if (node.getRole() == io.jswarm.proto.state.Role.ROLE_MANAGER) {
            throw Status.FAILED_PRECONDITION.withDescription("node " + node.getNodeId() + " is a cluster manager and is a "
                    + "member of the raft cluster. It must be demoted to worker before removal").asRuntimeException();
        }
        if (!force && table.liveness(node.getNodeId()) == NodeHealth.Liveness.ALIVE) {
            throw Status.FAILED_PRECONDITION.withDescription("node " + node.getNodeId()
                    + " is not down and can't be removed").asRuntimeException();
        }
        submit(Command.newBuilder().setRemoveNode(RemoveNode.newBuilder().setNodeId(node.getNodeId())).build(),
                Applied.NodeRemoved.class);
        sessions.kick(node.getNodeId(), Status.PERMISSION_DENIED.withDescription(
                "node " + node.getNodeId() + " was removed from the swarm"));
        LOG.info("node removed node={} force={}", node.getNodeId(), force);
        keyService.nodeRemoved(node.getNodeId()); // its pairs leave every node's keys, and the keys rotate
        viewChangedSoon();
        return node.getNodeId();
    }

    /** What one node may own (put into every AttachEndpoint this manager proposes). */
    EndpointQuota endpointQuota() {
        return endpointQuota;
    }

    public ClusterView view() {
        return table.view();
    }

    /**
     * Submits to the store and returns what the apply decided, as {@code expected}; a refusal becomes
     * FAILED_PRECONDITION, an I/O failure INTERNAL.
     */
    <T extends Applied> T submit(Command command, Class<T> expected) {
        return expect(commit(command), expected);
    }

    static <T extends Applied> T expect(StateStore.Outcome.Committed c, Class<T> expected) {
        return expected.cast(c.applied());
    }

    /** Submits; the committed command with its log index, or a gRPC error saying why it was refused. */
    StateStore.Outcome.Committed commit(Command command) {
        if (io.grpc.Context.current().isCancelled()) {
            // The caller gave up (its deadline passed while the call waited here): a write started now could
            // commit after the caller took its answer as "no", which only its orphan check would repair.
            throw Status.CANCELLED.withDescription("the caller gave up before the change was sent").asRuntimeException();
        }
        StateStore.Outcome outcome;
        try {
            outcome = store.submit(command);
        } catch (StateStore.NoQuorumException e) {
            throw Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
        } catch (IOException e) {
            LOG.error("command log write failed error={}", e.toString());
            throw Status.INTERNAL.withDescription("cannot persist the change: " + e.getMessage()).asRuntimeException();
        }
        return switch (outcome) {
            case StateStore.Outcome.Refused r -> throw Status.FAILED_PRECONDITION.withDescription(r.reason()).asRuntimeException();
            case StateStore.Outcome.Committed c -> c;
        };
    }

    /** Pushes the new view to every session, off the caller's thread (callers may hold locks). */
    void viewChangedSoon() {
        // One push queued at a time: a burst of changes is one view (built when the push runs, so it holds
        // every change made before), not one full view per change.
        keyService.changedSoon(); // a node added, removed or re-addressed changes the pairs
        if (!timer.isShutdown() && !pushQueued.getAndSet(true)) {
            try {
                timer.execute(() -> guard("broadcast", () -> {
                    pushQueued.set(false); // a change from now on queues the next push
                    ClusterView v = table.view();
                    sessions.broadcastView(ViewPages.split(v, ViewPages.PAGE_BYTES));
                    viewListeners.forEach(l -> l.accept(v));
                }));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                pushQueued.set(false);
                LOG.debug("manager stopping; view not pushed");
            }
        }
    }

    /**
     * A joining manager's last step: it is running its Raft server, now it becomes a voter (the leader catches
     * it up first). Retried for a minute: the leader may be changing, or still committing our AddNode.
     */
    private void addSelfToRaft(io.jswarm.manager.raft.ReplicatedStore r) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!timer.isShutdown()) {
            try {
                r.peers().add(nodeId(), r.raftAddr());
                LOG.info("joined the managers' Raft group node={} raft={}", nodeId(), r.raftAddr());
                viewChangedSoon();
                return;
            } catch (IOException | RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    LOG.error("could not join the managers' Raft group within 60 s error={}", e.toString());
                    return;
                }
                LOG.info("joining the managers' Raft group, retrying error={}", e.toString());
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void renewOwnCertificate() throws IOException {
        NodeIdentity id = keys.identity();
        if (!id.needsRenewal(clock.instant())) {
            return;
        }
        var key = CertificateAuthority.newKeyPair();
        X509Certificate cert = ca.sign(CertificateRequest.create(key), id.nodeId(), Role.MANAGER, joins.certValidity());
        NodeIdentity next = new NodeIdentity(key.getPrivate(), cert, ca.certificate());
        next.store(swarmDir.resolve("certificates"));
        keys.update(next);
        LOG.info("manager certificate renewed node={} expires={}", next.nodeId(), next.expiresAt());
    }

    interface Action {
        void run() throws Exception;
    }

    private static void guard(String what, Action action) {
        try {
            action.run();
        } catch (Exception e) {
            LOG.warn("manager task failed task={} error={}", what, e.toString());
        }
    }

    private static void commit(StateStore store, Command c) throws IOException {
        if (store.submit(c) instanceof StateStore.Outcome.Refused r) {
            throw new IOException("bootstrap command refused: " + r.reason());
        }
    }

    static com.google.protobuf.ByteString der(X509Certificate cert) {
        try {
            return com.google.protobuf.ByteString.copyFrom(cert.getEncoded());
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        timer.shutdownNow();
        keyService.close();
        sessions.closeAll(Status.UNAVAILABLE.withDescription("manager shutting down"));
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        apiPort.close();
        store.close();
        LOG.info("manager stopped node={}", nodeId());
    }
}
