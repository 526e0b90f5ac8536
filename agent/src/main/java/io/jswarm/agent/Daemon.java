package io.jswarm.agent;

import io.grpc.Status;
import io.jswarm.agent.net.ClusterApi;
import io.jswarm.agent.net.LocalClusterApi;
import io.jswarm.agent.net.NetworkAgent;
import io.jswarm.agent.net.RemoteClusterApi;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.manager.api.Authorizer;
import io.jswarm.manager.api.ManagerNode;
import io.jswarm.vxlan.HostPort;
import io.jswarm.proto.cluster.InitRequest;
import io.jswarm.proto.cluster.InitResponse;
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
 * {@link AgentSession}. After a restart it resumes whatever it was, from the data root alone. It owns the mode and
 * changes it under its lock; {@link Modes} starts and stops what a mode runs, {@link SwarmCommands} runs
 * {@code init} and {@code join}.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    static final String NOT_IN_SWARM = "This node is not a swarm manager. Use \"jswarm init\" or \"jswarm join\" "
            + "to connect this node to swarm and try again.";
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
    /** Set only under this daemon's lock (but in {@link #start}, before anything else runs). */
    private volatile Mode mode = new Mode.Inactive();
    /** Every meter of this daemon (gossip, membership); served by {@code --metrics-addr}. Passive until scraped. */
    private final io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry =
            new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    private MetricsServer metrics;
    /** Starts and stops each mode's manager or session, gossip and network agent. */
    private final Modes modes;
    /** {@code init}, {@code init --force-new-cluster} and {@code join}, always under this daemon's lock. */
    private final SwarmCommands commands;
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
        this.modes = new Modes(config, swarm, clock, registry, this::clusterApi, reason -> fatal.accept(reason));
        this.commands = new SwarmCommands(this, config, swarm, clock, modes);
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
        mode = st.getRole() == io.jswarm.proto.state.Role.ROLE_MANAGER ? modes.startManager(st) : modes.startWorker(st,
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

    /**
     * Sets what this node is: for {@link SwarmCommands}, which runs inside {@link #init} and {@link #join}, so
     * the caller holds this daemon's lock as every other mode change does.
     */
    void mode(Mode next) {
        assert Thread.holdsLock(this);
        mode = next;
    }

    /** {@code jswarm init} (with {@code --force-new-cluster} too): see {@link SwarmCommands#init}. */
    synchronized InitResponse init(InitRequest req) throws IOException {
        return commands.init(req);
    }

    /** {@code jswarm join}: see {@link SwarmCommands#join}. */
    synchronized LocalJoinResponse join(LocalJoinRequest req) throws IOException {
        return commands.join(req);
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
        mode = modes.startManager(next);
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
        modes.stopGossip();
        modes.stopNetworks();
        mode = new Mode.Inactive();
        m.manager().close();
        swarm.store(next); // from here a restart is a worker's, which erases manager files it finds
        worker.store(swarm.certificates());
        RoleSwitch.eraseManagerFiles(swarm);
        mode = modes.startWorker(next, worker);
        LOG.info("now a worker node={} managers={}", next.getNodeId(), managers);
    }

    /** Stops a worker's session, calls, gossip and network agent as at a restart (nothing withdrawn). */
    private void stopWorker(Mode.Worker w) {
        modes.stopAsRestart(Duration.ZERO);
        w.api().close();
        w.session().close();
        mode = new Mode.Inactive();
    }

    /** {@code jswarm leave}: a manager refuses without force (it would erase the swarm). */
    synchronized void leave(boolean force) throws IOException {
        if (mode instanceof Mode.Worker || force) {
            modes.stopGossip(); // first, while peers are reachable: they see a graceful leave, not a death
        }
        var n = modes.networks();
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
        modes.stopNetworks();
        mode = new Mode.Inactive();
        swarm.erase();
        LOG.info("left the swarm");
    }

    /** {@code node rm}: the removed node is also refused and evicted by this node's gossip at once. */
    String removeNode(String ref, boolean force) {
        String id = requireManager().remove(ref, force);
        GossipNode g = modes.gossip();
        if (g != null) {
            g.revoke(java.util.List.of(id));
        }
        return id;
    }

    /** This node's membership view (empty and not running when gossip is off or not started). */
    io.jswarm.proto.cluster.MembersResponse members() {
        GossipNode g = modes.gossip();
        return g == null ? io.jswarm.proto.cluster.MembersResponse.getDefaultInstance() : g.describe();
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
        var n = modes.networks();
        if (n == null) {
            throw Status.FAILED_PRECONDITION.withDescription("This node is not part of a swarm").asRuntimeException();
        }
        return n;
    }

    /** The manager, or the error Docker gives on a node that is not one. */
    ManagerNode requireManager() {
        return switch (mode) {
            case Mode.Manager m -> m.manager();
            case Mode.Inactive i -> throw Status.FAILED_PRECONDITION.withDescription(NOT_IN_SWARM).asRuntimeException();
            case Mode.Worker w -> throw Status.FAILED_PRECONDITION.withDescription(Authorizer.NOT_A_MANAGER).asRuntimeException();
        };
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
        // Not a leave: peers keep this node's entries for the grace period and the kernel keeps forwarding. The
        // 200 ms: the announcement is sent before the membership leave that follows.
        modes.stopAsRestart(Duration.ofMillis(200));
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
