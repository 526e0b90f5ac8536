package io.jswarm.agent;

import io.jswarm.agent.net.ClusterApi;
import io.jswarm.agent.net.NetworkAgent;
import io.jswarm.agent.net.RemoteClusterApi;
import io.jswarm.agent.net.SandboxResolver;
import io.jswarm.dns.SandboxDns;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.manager.api.ManagerConfig;
import io.jswarm.manager.api.ManagerNode;
import io.jswarm.proto.cluster.LocalNodeState;
import io.jswarm.vxlan.DataplaneConfig;
import io.jswarm.vxlan.HostPort;
import io.jswarm.vxlan.KernelDataplane;
import io.jswarm.vxlan.netlink.NetlinkKernel;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and stops what a mode of the {@link Daemon} runs: the manager ({@link ManagerNode}) or a worker's
 * {@link AgentSession} with its {@link RemoteClusterApi}, and beside either the node's gossip membership
 * ({@link GossipNode}) and network agent ({@link NetworkAgent}). It owns the references to those last two (null
 * while the node is in no swarm); the daemon's mode stays the daemon's, which sets it from what
 * {@link #startManager} and {@link #startWorker} return.
 *
 * <p>Threads: the starts and stops run on the thread of a daemon command or role switch, under the daemon's lock
 * (every caller is a {@code synchronized} method of {@link Daemon} or the {@link SwarmCommands} they call), or in
 * {@link Daemon#start} before the control socket opens. {@link #gossip()} and {@link #networks()} are read from
 * any thread (control calls), hence volatile.
 */
final class Modes {
    // Logs as the daemon: these lines moved here from Daemon and keep their logger.
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private final DaemonConfig config;
    private final SwarmDir swarm;
    private final InstantSource clock;
    private final io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry;
    /** The daemon's {@link Daemon#clusterApi()}: what the network agent calls the manager's network API with. */
    private final Supplier<ClusterApi> clusterApi;
    /** The daemon's handler of a failure only a restart repairs ({@link Daemon#onFatal}). */
    private final java.util.function.Consumer<String> fatal;
    /** The node's gossip membership while it is in a swarm and gossip is enabled, else null. */
    private volatile GossipNode gossip;
    /** Sandboxes, endpoints and endpoint tables while the node is in a swarm, else null. */
    private volatile NetworkAgent networks;

    Modes(DaemonConfig config, SwarmDir swarm, InstantSource clock,
          io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry, Supplier<ClusterApi> clusterApi,
          java.util.function.Consumer<String> fatal) {
        this.fatal = fatal;
        this.config = config;
        this.swarm = swarm;
        this.clock = clock;
        this.registry = registry;
        this.clusterApi = clusterApi;
    }

    /** The gossip membership, or null (not in a swarm, gossip off, or a worker's not made yet). */
    GossipNode gossip() {
        return gossip;
    }

    /** The network agent, or null outside a swarm. */
    NetworkAgent networks() {
        return networks;
    }

    Daemon.Mode.Manager startManager(LocalNodeState st) throws IOException {
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
        return new Daemon.Mode.Manager(m, st);
    }

    Daemon.Mode.Worker startWorker(LocalNodeState st, NodeIdentity identity) {
        // One key manager for the session, the network calls and gossip: a renewal reaches all three.
        IdentityKeyManager keys = new IdentityKeyManager(identity);
        AgentSession s = new AgentSession(st.getManagerAddrsList(), keys, swarm.certificates(), config, Version.VALUE);
        RemoteClusterApi api = new RemoteClusterApi(s::managers, keys,
                () -> s.connected() ? config.managerTimeout() : Daemon.LOST_MANAGER_DEADLINE);
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
        return new Daemon.Mode.Worker(s, st, keys, api);
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
        var agent = new NetworkAgent(nodeId, clusterApi, dataplane,
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

    /**
     * Stops gossip and the network agent as at a restart, not a leave (nothing withdrawn). With both running the
     * restart is announced to the peers first and, when {@code settle} is positive, given that long to be sent.
     */
    void stopAsRestart(Duration settle) {
        var n = networks;
        if (n != null && gossip != null) {
            n.announceRestart();
            if (settle.isPositive()) {
                try {
                    Thread.sleep(settle);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        stopGossip();
        stopNetworks();
    }

    void stopNetworks() {
        var n = networks;
        networks = null;
        if (n != null) {
            n.close();
        }
    }

    void stopGossip() {
        GossipNode g = gossip;
        gossip = null;
        if (g != null) {
            g.close();
        }
    }
}
