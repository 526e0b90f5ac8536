package io.jswarm.manager.api;

import io.jswarm.manager.state.StateStore;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.JoinToken;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.manager.state.EndpointQuota;
import io.jswarm.manager.ports.ApiPort;
import io.jswarm.manager.ports.JoinGate;
import io.jswarm.manager.state.Applied;
import io.jswarm.manager.tls.Tls;
import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.state.Command;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager role of a node: the cluster CA, the durable {@link StateStore}, the mutual-TLS Dispatcher
 * API and the agents' sessions. Created by {@link #bootstrap} ({@code jswarm init}) or reopened from its
 * directory after a restart by {@link #open}; {@link #start} binds the port. One manager per cluster for now
 * (the command log is local; a replicated log slots in behind {@code CommandLog}). Joins live in
 * {@link Joins}, the network API in {@link Networks} behind the authorised {@link ManagerApi}, {@code node rm} in
 * {@link NodeRemoval}, the timer's work in {@link ManagerTasks}; the directory is {@link ManagerDirectory}'s.
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
    /** The timer (heartbeats, renewal, view pushes) and the view listeners. */
    private final ManagerTasks tasks;
    private final EndpointQuota endpointQuota;
    private final KeyService keyService;
    private final ApiPort apiPort;
    private final JoinGate joinGate;
    private Server server;

    /** Made by {@link ManagerDirectory#open}; starts nothing. */
    ManagerNode(Path swarmDir, ManagerConfig config, EndpointQuota endpointQuota, InstantSource clock,
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
        this.tasks = new ManagerTasks(this);
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
        return ManagerDirectory.bootstrap(swarmDir, p, raftAddr, clock);
    }

    /**
     * {@code init --force-new-cluster}, on a stopped manager's directory: its replica's state (what this manager
     * last applied) becomes the first entry of a new log with this node as the only manager; the other managers
     * become workers in the state (their Raft peers are no longer trusted; they can be removed, or join again).
     * Whole or nothing: the one-manager log is written beside the old Raft storage, which is then moved aside in one
     * rename; a crash before the rename reopens the old cluster, after it {@link #open} migrates the new one.
     */
    public static void forceNewCluster(Path swarmDir, io.jswarm.proto.state.Snapshot state, String selfId) throws IOException {
        ManagerDirectory.forceNewCluster(swarmDir, state, selfId);
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
        return ManagerDirectory.open(swarmDir, config, endpointQuota, keyRotation, clock);
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
        tasks.start(config.heartbeatPeriod());
        keyService.start();
        // Commands other managers proposed are applied here too: every applied command reaches this manager's
        // sessions (coalesced, as local changes are).
        store.onApplied(v -> viewChangedSoon());
        if (store instanceof io.jswarm.manager.raft.ReplicatedStore r) {
            // A follower judges managers other than the leader by this node's liveness sources (gossip, sessions).
            r.reachability(id -> table.liveness(id) != NodeHealth.Liveness.DEAD);
            if (r.joining()) {
                tasks.addSelfToRaftSoon(r); // its own thread: this waits for the leader's catch-up
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
        tasks.addViewListener(listener);
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
        return NodeRemoval.remove(this, ref, force);
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
        tasks.viewChangedSoon();
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
        tasks.close();
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
