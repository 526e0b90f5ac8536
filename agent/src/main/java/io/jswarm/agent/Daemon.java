package io.jswarm.agent;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.agent.net.ClusterApi;
import io.jswarm.agent.net.LocalClusterApi;
import io.jswarm.agent.net.NetworkAgent;
import io.jswarm.agent.net.RemoteClusterApi;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.vxlan.netlink.NetlinkKernel;
import io.jswarm.vxlan.KernelDataplane;
import io.jswarm.vxlan.DataplaneConfig;
import io.jswarm.agent.net.SandboxResolver;
import io.jswarm.dns.SandboxDns;
import io.jswarm.encryption.JoinToken;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.manager.api.Authorizer;
import io.jswarm.manager.api.InitParams;
import io.jswarm.manager.api.ManagerConfig;
import io.jswarm.manager.api.ManagerNode;
import io.jswarm.vxlan.HostPort;
import io.jswarm.proto.cluster.InitRequest;
import io.jswarm.proto.cluster.InitResponse;
import io.jswarm.proto.cluster.JoinRequest;
import io.jswarm.proto.cluster.LocalJoinRequest;
import io.jswarm.proto.cluster.LocalJoinResponse;
import io.jswarm.proto.cluster.LocalNodeState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code jswarm daemon}: one per host. Serves the local control API, keeps the node's swarm state in the
 * data root and, depending on the node's role, runs the manager ({@link ManagerNode}) or a worker's
 * {@link AgentSession}. After a restart it resumes whatever it was, from the data root alone.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    static final String NOT_IN_SWARM = "This node is not a swarm manager. Use \"jswarm init\" or \"jswarm join\" "
            + "to connect this node to swarm and try again.";
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(20);
    /**
     * How long a worker waits for a manager its session has lost (no heartbeat for the heartbeat timeout): long
     * enough for a manager that just came back (TCP + TLS on a LAN take milliseconds), short enough that the
     * operator hears "unreachable" at once instead of after {@link DaemonConfig#managerTimeout()}.
     */
    static final Duration LOST_MANAGER_DEADLINE = Duration.ofSeconds(2);

    /** What this node currently is. */
    sealed interface Mode {
        record Inactive() implements Mode {
        }

        record Manager(ManagerNode manager, LocalNodeState state) implements Mode {
        }

        /** {@code keys}: the node's one renewable credential (session, manager API calls, gossip). */
        record Worker(AgentSession session, LocalNodeState state, IdentityKeyManager keys, RemoteClusterApi api)
                implements Mode {
        }
    }

    private final DaemonConfig config;
    private final SwarmDir swarm;
    private final InstantSource clock = InstantSource.system();
    private final ControlServer control;
    /** The Docker Engine API (issue 13), or null when {@code --api-socket none}. */
    private final EngineEndpoint engine;
    /** The Control service in process: for the engine API and the thin client's CLI socket. */
    private final LocalControl local;
    private volatile Mode mode = new Mode.Inactive();
    /** Every meter of this daemon (gossip, membership); served by {@code --metrics-addr}. Passive until scraped. */
    private final io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry =
            new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    private MetricsServer metrics;
    /** The node's gossip membership while it is in a swarm and gossip is enabled, else null. */
    private volatile GossipNode gossip;
    /** Sandboxes, endpoints and endpoint tables while the node is in a swarm, else null. */
    private volatile NetworkAgent networks;
    /** Issue 12: notices promotions and demotions of this node and switches its mode. */
    private final RoleChanges roles = new RoleChanges(this);

    /** What a failure only a restart repairs does: logged here; the daemon command exits (systemd restarts it). */
    private volatile java.util.function.Consumer<String> fatal =
            reason -> org.slf4j.LoggerFactory.getLogger(Daemon.class).error("{}; restart this daemon", reason);

    public Daemon(DaemonConfig config) {
        this.config = config;
        this.swarm = new SwarmDir(config.dataRoot());
        ControlService service = new ControlService(this);
        this.control = new ControlServer(config.socket(), service);
        this.local = new LocalControl(service);
        this.engine = config.apiSocket() == null ? null : new EngineEndpoint(config.apiSocket());
    }

    /** Resumes the node's role from the data root, then opens the control socket. */
    public void start() throws IOException {
        Files.createDirectories(config.dataRoot(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        var saved = swarm.load();
        if (saved.isPresent()) {
            resume(saved.get());
        } else {
            swarm.erase(); // an init or join killed before its state.pb: leftovers of no node, never half a node
        }
        control.start();
        local.start();
        if (engine != null) {
            engine.start(local.channel());
        }
        roles.start();
        if (config.metricsAddr() != null) {
            metrics = new MetricsServer(config.metricsAddr(), registry);
            metrics.start();
        }
        LOG.info("daemon ready socket={} dataRoot={} version={}", config.socket(), config.dataRoot(), Version.VALUE);
    }

    private void resume(LocalNodeState st) throws IOException {
        LOG.info("resuming swarm state node={} cluster={} role={}", st.getNodeId(), st.getClusterId(), st.getRole());
        if (st.getRole() != io.jswarm.proto.state.Role.ROLE_MANAGER) {
            RoleSwitch.eraseManagerFiles(swarm); // a demotion killed after its state.pb: a worker holds no CA key
        }
        mode = st.getRole() == io.jswarm.proto.state.Role.ROLE_MANAGER ? startManager(st) : startWorker(st,
                NodeIdentity.load(swarm.certificates()));
    }

    /**
     * Issue 12: a role switch that stopped the old mode but could not start the new one (e.g. the API port taken)
     * leaves the daemon inactive with a saved state: tried again here (RoleChanges, every few seconds), as a
     * restart would. Under the daemon's lock, so never beside an init, join or leave in progress.
     */
    synchronized void resumeIfStopped() throws IOException {
        if (mode instanceof Mode.Inactive) {
            var saved = swarm.load();
            if (saved.isPresent()) {
                resume(saved.get());
            }
        }
    }

    /** Who handles a failure only a restart repairs (any thread, once per cause); call before {@link #start}. */
    public void onFatal(java.util.function.Consumer<String> handler) {
        this.fatal = handler;
    }

    public DaemonConfig config() {
        return config;
    }

    /** The Control service on an in-process channel, from {@link #start} to {@link #close} (the CLI socket's). */
    public io.grpc.Channel localChannel() {
        return local.channel();
    }

    Mode mode() {
        return mode;
    }

    private Mode.Manager startManager(LocalNodeState st) throws IOException {
        HostPort listen = HostPort.parse(st.getListenAddr(), 2377);
        ManagerConfig mc = new ManagerConfig(listen.socketAddress(), st.getManagerAddrs(0), config.heartbeatPeriod(),
                config.heartbeatTimeout(), Version.VALUE).withRaft(ManagerJoin.raft(st));
        ManagerNode m = ManagerNode.open(swarm.path(), mc, clock);
        m.onStoreBroken(reason -> fatal.accept("this manager's replicated log stopped: " + reason));
        GossipNode g = config.gossipPort() == 0 ? null : new GossipNode(m.keys(), config.gossipPort(), registry, m::healthChanged);
        if (g != null) {
            m.addHealthSource(g); // before start: node ls combines sessions and membership from the first call
        }
        var net = startNetworks(st.getNodeId(), g, m.keys().identity().root());
        m.addViewListener(net::onView);
        // Issue 11: this node's ESP keys come straight from its own manager; the agent's acknowledgement goes back
        // the same way (a worker's travel over its session).
        m.addOwnKeysListener(net::onDataKeys);
        net.onKeysInstalled(m::ownKeysInstalled);
        try {
            m.start();
        } catch (IOException | RuntimeException e) {
            m.close();
            stopNetworks();
            throw new IOException("cannot listen on " + listen + ": " + e.getMessage(), e);
        }
        // A joining manager has no state until it caught up from the others (issue 12); the rest comes as views.
        var first = ManagerJoin.firstView(m, st.getJoinPeersCount() > 0 ? ManagerJoin.CATCH_UP : Duration.ZERO);
        first.ifPresent(net::onView);
        if (g != null) {
            // A manager seeds from every node it knows: after a restart it must find the running cluster again
            // (workers seed from the managers only at their own start). A fresh swarm has no one: nothing to join.
            g.start(st.getAdvertiseAddr(), st.getDataPathAddr(), first.map(view -> view.getNodesList().stream()
                    .map(io.jswarm.proto.cluster.NodeInfo::getAddr).filter(a -> !a.isEmpty()).toList())
                    .orElse(st.getManagerAddrsList()), first.<java.util.List<String>>map(v -> v.getRemovedNodeIdsList()).orElse(java.util.List.of()));
            gossip = g;
        }
        return new Mode.Manager(m, st);
    }

    /**
     * The Raft server of a manager: the API's listen host, port + 1 (2378 by default), advertised on the node's
     * advertise host. A listen port of 0 (tests) lets the store pick a free port.
     */
    static io.jswarm.manager.raft.RaftSettings raftSettings(HostPort listen, String advertiseHost) {
        int port = listen.port() == 0 ? 0 : listen.port() + 1;
        String host = advertiseHost.isEmpty() ? listen.host() : advertiseHost;
        return io.jswarm.manager.raft.RaftSettings.defaults(new java.net.InetSocketAddress(listen.host(), port),
                new HostPort(host, port).toString());
    }

    private Mode.Worker startWorker(LocalNodeState st, NodeIdentity identity) {
        // One key manager for the session, the network calls and gossip: a renewal reaches all three.
        IdentityKeyManager keys = new IdentityKeyManager(identity);
        AgentSession s = new AgentSession(st.getManagerAddrsList(), keys, swarm.certificates(), config, Version.VALUE);
        RemoteClusterApi api = new RemoteClusterApi(s::managers, keys,
                () -> s.connected() ? config.managerTimeout() : LOST_MANAGER_DEADLINE);
        GossipNode g = null;
        if (config.gossipPort() != 0) {
            // Started by the first view: it carries the address the manager knows this node by.
            g = new GossipNode(keys, config.gossipPort(), registry, () -> { });
            gossip = g;
        }
        var net = startNetworks(st.getNodeId(), g, identity.root());
        s.onView(net::onView); // first: the tables see the network participants before gossip starts them
        s.onView(swarm::rememberManagers); // issue 12: a restart can reach any manager
        s.onDataKeys(net::onDataKeys);
        net.onKeysInstalled(s::keysInstalled);
        if (g != null) {
            s.onView(g::onView);
            if (!st.getAdvertiseAddr().isEmpty()) {
                // A restart with a known address: gossip, and with it the endpoint tables, need not wait for
                // the manager's first view (the view still updates the revocations when it comes).
                g.start(st.getAdvertiseAddr(), st.getDataPathAddr(), st.getManagerAddrsList(), java.util.List.of());
            } else {
                s.onView(v -> swarm.rememberAddress(st, v));
            }
        }
        s.start();
        return new Mode.Worker(s, st, keys, api);
    }

    /** {@code jswarm init}. */
    synchronized InitResponse init(InitRequest req) throws IOException {
        if (req.getForceNewCluster()) {
            return forceNewCluster();
        }
        requireInactive();
        HostPort listen = HostPort.parse(req.getListenAddr().isEmpty() ? "0.0.0.0:2377" : req.getListenAddr(), 2377);
        String adv = req.getAdvertiseAddr();
        int port = adv.isEmpty() ? listen.port() : AdvertiseAddress.port(adv).orElse(listen.port());
        String advHost = AdvertiseAddress.choose(adv.isEmpty() && !listen.host().equals("0.0.0.0") ? listen.host()
                : AdvertiseAddress.hostPart(adv), AdvertiseAddress.hostCandidates());
        String dataPath = req.getDataPathAddr().isEmpty() ? advHost
                : AdvertiseAddress.choose(req.getDataPathAddr(), AdvertiseAddress.hostCandidates());
        String managerAddr = new HostPort(advHost, port).toString();
        var params = new InitParams(config.hostname(), advHost, managerAddr, dataPath, req.getDataPathPort(),
                req.getDefaultAddrPoolList(), req.getDefaultAddrPoolMaskLength() == 0 ? InitParams.DEFAULT_MASK_LENGTH
                : req.getDefaultAddrPoolMaskLength(),
                req.getCertExpirySeconds() == 0 ? io.jswarm.encryption.CertificateAuthority.DEFAULT_NODE_VALIDITY
                        : Duration.ofSeconds(req.getCertExpirySeconds()), Version.VALUE, config.minCertExpiry());
        swarm.createOwnerOnly();
        try {
            NodeIdentity id = ManagerNode.bootstrap(swarm.path(), params,
                    raftSettings(listen, advHost).advertise(), clock);
            LocalNodeState st = LocalNodeState.newBuilder().setNodeId(id.nodeId()).setClusterId(id.clusterId())
                    .setRole(io.jswarm.proto.state.Role.ROLE_MANAGER).addManagerAddrs(managerAddr)
                    .setAdvertiseAddr(advHost).setDataPathAddr(dataPath).setListenAddr(listen.toString()).build();
            Mode.Manager m = startManager(st);
            try {
                swarm.store(st); // last: a crash before this leaves no half-initialised node behind at restart
            } catch (IOException e) {
                stopGossip();
                stopNetworks();
                m.manager().close();
                throw e;
            }
            mode = m;
            return InitResponse.newBuilder().setNodeId(id.nodeId()).setManagerAddr(managerAddr)
                    .setWorkerToken(m.manager().joinToken(Role.WORKER).value()).build();
        } catch (IOException | RuntimeException e) {
            swarm.erase();
            throw e;
        }
    }

    /**
     * {@code init --force-new-cluster} on a manager: its replica's state becomes a new cluster with this node
     * the only manager (Docker's recovery from a quorum lost for good). The data plane is not touched.
     */
    private InitResponse forceNewCluster() throws IOException {
        if (!(mode instanceof Mode.Manager m)) {
            throw Status.FAILED_PRECONDITION.withDescription(mode instanceof Mode.Worker ? Authorizer.NOT_A_MANAGER
                    : NOT_IN_SWARM).asRuntimeException();
        }
        var state = m.manager().stateSnapshot();
        String self = m.state().getNodeId();
        stopGossip();
        stopNetworks();
        m.manager().close();
        mode = new Mode.Inactive();
        // No join peers any more: this node is the whole new cluster (with them it would wait to be added). Saved
        // first: a crash before the rewrite below restarts the old cluster's manager, and the command can be re-run.
        LocalNodeState st = m.state().toBuilder().clearJoinPeers().clearManagerAddrs()
                .addManagerAddrs(m.manager().managerAddr()).build();
        swarm.store(st);
        ManagerNode.forceNewCluster(swarm.path(), state, self);
        Mode.Manager again = startManager(st);
        mode = again;
        LOG.warn("new cluster forced from this manager's state node={}", self);
        return InitResponse.newBuilder().setNodeId(self).setManagerAddr(again.manager().managerAddr())
                .setWorkerToken(again.manager().joinToken(Role.WORKER).value()).build();
    }

    /** {@code jswarm join}. */
    synchronized LocalJoinResponse join(LocalJoinRequest req) throws IOException {
        requireInactive();
        JoinToken token;
        try {
            token = JoinToken.parse(req.getToken());
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
        HostPort remote = HostPort.parse(req.getRemoteAddr(), 2377);
        String adv = req.getAdvertiseAddr().isEmpty() ? ""
                : AdvertiseAddress.choose(AdvertiseAddress.hostPart(req.getAdvertiseAddr()), AdvertiseAddress.hostCandidates());
        String dataPath = req.getDataPathAddr().isEmpty() ? adv
                : AdvertiseAddress.choose(req.getDataPathAddr(), AdvertiseAddress.hostCandidates());
        HostPort listen = ManagerJoin.listen(req.getListenAddr()); // a manager token: where it will serve
        long t0 = System.nanoTime();
        Joiner.Joined joined = Joiner.join(remote, token, JoinRequest.newBuilder().setHostname(config.hostname())
                .setAdvertiseAddr(adv).setDataPathAddr(dataPath).setEngineVersion(Version.VALUE)
                .setManagerPort(listen.port()).setRaftPort(ManagerJoin.raftPort(listen)), JOIN_TIMEOUT);
        NodeIdentity id = joined.identity();
        var managers = joined.response().getManagerAddrsList().isEmpty() ? java.util.List.of(remote.toString())
                : joined.response().getManagerAddrsList();
        if (joined.response().getRole() == io.jswarm.proto.state.Role.ROLE_MANAGER) {
            try {
                LocalNodeState st = ManagerJoin.install(swarm, id, joined.response().getManagerBundle(), managers, listen,
                        dataPath, clock);
                swarm.store(st); // after the keys, before the manager: a restart from here joins again
                mode = startManager(st);
            } catch (IOException | RuntimeException e) {
                stopGossip();
                stopNetworks();
                swarm.erase();
                throw e;
            }
            LOG.info("joined swarm as a manager node={} cluster={} manager={} joinMillis={}", id.nodeId(), id.clusterId(),
                    remote, (System.nanoTime() - t0) / 1_000_000);
            return LocalJoinResponse.newBuilder().setNodeId(id.nodeId()).setRole(joined.response().getRole()).build();
        }
        LocalNodeState st = LocalNodeState.newBuilder().setNodeId(id.nodeId()).setClusterId(id.clusterId())
                .setRole(joined.response().getRole()).addAllManagerAddrs(managers)
                .setAdvertiseAddr(adv).setDataPathAddr(dataPath).setListenAddr(listen.toString()).build();
        try {
            id.store(swarm.certificates());
            swarm.store(st);
        } catch (IOException e) {
            swarm.erase();
            throw e;
        }
        mode = startWorker(st, id);
        LOG.info("joined swarm node={} cluster={} manager={} joinMillis={}", id.nodeId(), id.clusterId(), remote,
                (System.nanoTime() - t0) / 1_000_000);
        return LocalJoinResponse.newBuilder().setNodeId(id.nodeId()).setRole(joined.response().getRole()).build();
    }

    /**
     * Issue 12: this worker was promoted and got its manager credentials: the worker stops as at a restart (the
     * kernel keeps forwarding), the manager files and then {@code state.pb} are written, and it starts as a
     * joining manager. A crash before {@code state.pb} restarts a worker that asks again.
     */
    synchronized void becomeManager(Mode.Worker w, RoleSwitch.Credentials creds) throws IOException {
        if (mode != w) {
            return;
        }
        HostPort listen = ManagerJoin.listen(w.state().getListenAddr());
        LocalNodeState next = ManagerJoin.install(swarm, creds.identity(), creds.response().getManagerBundle(),
                w.session().managers(), listen, w.state().getDataPathAddr(), clock);
        stopWorker(w);
        swarm.store(next);
        mode = startManager(next);
        LOG.info("now a manager node={} raft={}", next.getNodeId(), creds.response().getManagerBundle().getRaftAddr());
    }

    /**
     * Issue 12: this manager was demoted ({@code worker} is the certificate another manager renewed with the
     * worker role): the manager stops, {@code state.pb} says worker, the certificate is replaced, the CA key,
     * seal key and Raft log are erased, and a worker session starts with the other managers.
     */
    synchronized void becomeWorker(Mode.Manager m, NodeIdentity worker, java.util.List<String> managers) throws IOException {
        if (mode != m || managers.isEmpty()) {
            return;
        }
        LocalNodeState next = m.state().toBuilder().setRole(io.jswarm.proto.state.Role.ROLE_WORKER).clearJoinPeers()
                .clearManagerAddrs().addAllManagerAddrs(managers).build();
        stopGossip();
        stopNetworks();
        mode = new Mode.Inactive();
        m.manager().close();
        swarm.store(next); // from here a restart is a worker's, which erases manager files it finds
        worker.store(swarm.certificates());
        RoleSwitch.eraseManagerFiles(swarm);
        mode = startWorker(next, worker);
        LOG.info("now a worker node={} managers={}", next.getNodeId(), managers);
    }

    /** Stops a worker's session, calls, gossip and network agent as at a restart (nothing withdrawn). */
    private void stopWorker(Mode.Worker w) {
        var n = networks;
        if (n != null && gossip != null) {
            n.announceRestart();
        }
        stopGossip();
        stopNetworks();
        w.api().close();
        w.session().close();
        mode = new Mode.Inactive();
    }

    /** {@code jswarm leave}: a manager refuses without force (it would erase the swarm). */
    synchronized void leave(boolean force) throws IOException {
        if (mode instanceof Mode.Worker || force) {
            stopGossip(); // first, while peers are reachable: they see a graceful leave, not a death
        }
        var n = networks;
        if (n != null && mode instanceof Mode.Worker) {
            // Before the session closes: the manager frees this node's addresses, so its names are free again.
            n.teardown(true); // leave withdraws: this node's sandboxes go, peers tombstone its entries
        }
        switch (mode) {
            case Mode.Inactive i -> throw Status.FAILED_PRECONDITION.withDescription("This node is not part of a swarm")
                    .asRuntimeException();
            case Mode.Manager m -> {
                if (!force) {
                    throw Status.FAILED_PRECONDITION.withDescription(ManagerInfo.leaveRefusal(m.manager()))
                            .asRuntimeException();
                }
                m.manager().close();
            }
            case Mode.Worker w -> {
                w.api().close();
                w.session().close();
            }
        }
        if (n != null && !(mode instanceof Mode.Worker)) {
            n.teardown(false); // a manager's leave erases the swarm's state: nothing to release
        }
        stopNetworks();
        mode = new Mode.Inactive();
        swarm.erase();
        LOG.info("left the swarm");
    }

    /** {@code node rm}: the removed node is also refused and evicted by this node's gossip at once. */
    String removeNode(String ref, boolean force) {
        String id = requireManager().remove(ref, force);
        GossipNode g = gossip;
        if (g != null) {
            g.revoke(java.util.List.of(id));
        }
        return id;
    }

    /** This node's membership view (empty and not running when gossip is off or not started). */
    io.jswarm.proto.cluster.MembersResponse members() {
        GossipNode g = gossip;
        return g == null ? io.jswarm.proto.cluster.MembersResponse.getDefaultInstance() : g.describe();
    }

    /**
     * The network agent of this node: puts back its sandboxes at once (the kernel kept forwarding while the
     * daemon was away) and starts the endpoint tables when gossip runs.
     */
    private NetworkAgent startNetworks(String nodeId, GossipNode g, java.security.cert.X509Certificate root) {
        var dataplane = new KernelDataplane(new NetlinkKernel(NetlinkKernel.Settings.defaults(), new KernelMetrics(registry)),
                DataplaneConfig.defaults().withRunDir(config.execRoot()));
        // Tests only: the sandboxes' upstreams from another file, so an e2e test can stand up its own upstream.
        String resolvConf = System.getenv("JSWARM_UNSAFE_RESOLV_CONF");
        SandboxDns sandboxDns = SandboxDns.onHost();
        if (resolvConf != null && !resolvConf.isBlank()) {
            LOG.warn("JSWARM_UNSAFE_RESOLV_CONF={}: sandboxes forward to its nameservers, not /etc/resolv.conf's "
                    + "(tests only)", resolvConf.strip());
            sandboxDns = SandboxDns.onHost(java.nio.file.Path.of(resolvConf.strip()));
        }
        var agent = new NetworkAgent(nodeId, this::clusterApi, dataplane,
                SandboxResolver.of(sandboxDns),
                NetworkAgent.Settings.defaults(swarm.path().resolve("networks")).withFirstViewWait(config.managerTimeout()),
                registry);
        try {
            // The entry key stays when the certificate is renewed, so grants issued before stay usable.
            agent.trust(io.jswarm.encryption.Grants.loadOrCreateEntryKey(swarm.certificates()), root.getPublicKey());
        } catch (IOException e) {
            LOG.warn("no entry key: this node's endpoints will not be believed by its peers error={}", e.toString());
        }
        String crashAt = System.getenv("JSWARM_UNSAFE_CRASH_AT"); // tests only: prove crash consistency for real
        if (crashAt != null && !crashAt.isBlank()) {
            agent.haltAt(crashAt.strip());
        }
        try {
            agent.start();
        } catch (IOException | RuntimeException e) {
            LOG.warn("network state not restored error={}", e.toString());
        }
        if (g != null) {
            g.forward(m -> agent.startReplication(Replication.messenger(m), Replication.config()),
                    agent::onMembership);
        }
        networks = agent;
        return agent;
    }

    private void stopNetworks() {
        var n = networks;
        networks = null;
        if (n != null) {
            n.close();
        }
    }

    /** The manager's network API as this node calls it: in process on a manager, over mTLS on a worker. */
    ClusterApi clusterApi() {
        return switch (mode) {
            case Mode.Manager m -> new LocalClusterApi(m.manager());
            case Mode.Worker w -> w.api();
            case Mode.Inactive i -> throw Status.FAILED_PRECONDITION.withDescription("This node is not part of a swarm")
                    .asRuntimeException();
        };
    }


    /** The network agent, or the error Docker gives outside a swarm. */
    NetworkAgent networkAgent() {
        var n = networks;
        if (n == null) {
            throw Status.FAILED_PRECONDITION.withDescription("This node is not part of a swarm").asRuntimeException();
        }
        return n;
    }

    private void stopGossip() {
        GossipNode g = gossip;
        gossip = null;
        if (g != null) {
            g.close();
        }
    }

    /** The manager, or the error Docker gives on a node that is not one. */
    ManagerNode requireManager() {
        return switch (mode) {
            case Mode.Manager m -> m.manager();
            case Mode.Inactive i -> throw Status.FAILED_PRECONDITION.withDescription(NOT_IN_SWARM).asRuntimeException();
            case Mode.Worker w -> throw Status.FAILED_PRECONDITION.withDescription(Authorizer.NOT_A_MANAGER).asRuntimeException();
        };
    }

    private void requireInactive() {
        if (!(mode instanceof Mode.Inactive)) {
            throw Status.FAILED_PRECONDITION.withDescription("This node is already part of a swarm. Use \"jswarm leave\" "
                    + "to leave this swarm and join another one.").asRuntimeException();
        }
    }

    @Override
    public synchronized void close() {
        roles.close();
        if (engine != null) {
            engine.close();
        }
        local.close();
        control.close();
        if (metrics != null) {
            metrics.close();
        }
        var n = networks;
        if (n != null && gossip != null) {
            // Not a leave: peers keep this node's entries for the grace period and the kernel keeps forwarding.
            n.announceRestart();
            try {
                Thread.sleep(200); // the announcement is sent before the membership leave that follows
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        stopGossip();
        stopNetworks();
        switch (mode) {
            case Mode.Manager m -> {
                try {
                    m.manager().close();
                } catch (IOException e) {
                    LOG.warn("manager close failed error={}", e.toString());
                }
            }
            case Mode.Worker w -> {
                w.api().close();
                w.session().close();
            }
            case Mode.Inactive i -> {
            }
        }
        LOG.info("daemon stopped");
    }
}
