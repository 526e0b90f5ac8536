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
    private volatile Mode mode = new Mode.Inactive();
    /** Every meter of this daemon (gossip, membership); served by {@code --metrics-addr}. Passive until scraped. */
    private final io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry =
            new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    private MetricsServer metrics;
    /** The node's gossip membership while it is in a swarm and gossip is enabled, else null. */
    private volatile GossipNode gossip;
    /** Sandboxes, endpoints and endpoint tables while the node is in a swarm, else null. */
    private volatile NetworkAgent networks;

    public Daemon(DaemonConfig config) {
        this.config = config;
        this.swarm = new SwarmDir(config.dataRoot());
        this.control = new ControlServer(config.socket(), new ControlService(this));
    }

    /** Resumes the node's role from the data root, then opens the control socket. */
    public void start() throws IOException {
        Files.createDirectories(config.dataRoot(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        var saved = swarm.load();
        if (saved.isPresent()) {
            LocalNodeState st = saved.get();
            LOG.info("resuming swarm state node={} cluster={} role={}", st.getNodeId(), st.getClusterId(), st.getRole());
            mode = st.getRole() == io.jswarm.proto.state.Role.ROLE_MANAGER ? startManager(st) : startWorker(st,
                    NodeIdentity.load(swarm.certificates()));
        }
        control.start();
        if (config.metricsAddr() != null) {
            metrics = new MetricsServer(config.metricsAddr(), registry);
            metrics.start();
        }
        LOG.info("daemon ready socket={} dataRoot={} version={}", config.socket(), config.dataRoot(), Version.VALUE);
    }

    public DaemonConfig config() {
        return config;
    }

    Mode mode() {
        return mode;
    }

    private Mode.Manager startManager(LocalNodeState st) throws IOException {
        HostPort listen = HostPort.parse(st.getListenAddr(), 2377);
        ManagerConfig mc = new ManagerConfig(listen.socketAddress(), st.getManagerAddrs(0), config.heartbeatPeriod(),
                config.heartbeatTimeout(), Version.VALUE);
        ManagerNode m = ManagerNode.open(swarm.path(), mc, clock);
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
        net.onView(m.view());
        if (g != null) {
            // A manager seeds from every node it knows: after a restart it must find the running cluster again
            // (workers seed from the managers only at their own start). A fresh swarm has no one: nothing to join.
            var view = m.view();
            g.start(st.getAdvertiseAddr(), st.getDataPathAddr(), view.getNodesList().stream()
                    .map(io.jswarm.proto.cluster.NodeInfo::getAddr).filter(a -> !a.isEmpty()).toList(),
                    view.getRemovedNodeIdsList());
            gossip = g;
        }
        return new Mode.Manager(m, st);
    }

    private Mode.Worker startWorker(LocalNodeState st, NodeIdentity identity) {
        // One key manager for the session, the network calls and gossip: a renewal reaches all three.
        IdentityKeyManager keys = new IdentityKeyManager(identity);
        AgentSession s = new AgentSession(st.getManagerAddrsList(), keys, swarm.certificates(), config, Version.VALUE);
        RemoteClusterApi api = new RemoteClusterApi(() -> s.view().map(v -> v.getManagerAddrsList())
                .filter(a -> !a.isEmpty()).orElse(st.getManagerAddrsList()), keys,
                () -> s.connected() ? config.managerTimeout() : LOST_MANAGER_DEADLINE);
        GossipNode g = null;
        if (config.gossipPort() != 0) {
            // Started by the first view: it carries the address the manager knows this node by.
            g = new GossipNode(keys, config.gossipPort(), registry, () -> { });
            gossip = g;
        }
        var net = startNetworks(st.getNodeId(), g, identity.root());
        s.onView(net::onView); // first: the tables see the network participants before gossip starts them
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
            NodeIdentity id = ManagerNode.bootstrap(swarm.path(), params, clock);
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
        long t0 = System.nanoTime();
        Joiner.Joined joined = Joiner.join(remote, token, JoinRequest.newBuilder().setHostname(config.hostname())
                .setAdvertiseAddr(adv).setDataPathAddr(dataPath).setEngineVersion(Version.VALUE), JOIN_TIMEOUT);
        NodeIdentity id = joined.identity();
        var managers = joined.response().getManagerAddrsList().isEmpty() ? java.util.List.of(remote.toString())
                : joined.response().getManagerAddrsList();
        LocalNodeState st = LocalNodeState.newBuilder().setNodeId(id.nodeId()).setClusterId(id.clusterId())
                .setRole(joined.response().getRole()).addAllManagerAddrs(managers)
                .setAdvertiseAddr(adv).setDataPathAddr(dataPath).build();
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
                    throw Status.FAILED_PRECONDITION.withDescription("You are attempting to leave the swarm on a node "
                            + "that is participating as a manager. Removing the last manager erases all current state "
                            + "of the swarm. Use `--force` to ignore this message.").asRuntimeException();
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
