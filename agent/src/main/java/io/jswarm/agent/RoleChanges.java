package io.jswarm.agent;

import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.manager.api.ManagerNode;
import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.NodeInfo;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 12: notices that this node's role changed in the cluster ({@code node promote} / {@code node demote} on
 * some manager) and has the {@link Daemon} switch modes. One thread, checking once a second, so at most one
 * switch runs and a missed view or a failed attempt is simply tried again:
 * <ul>
 * <li>a worker whose latest view lists it as a manager fetches its manager credentials ({@link RoleSwitch}) and
 * becomes a joining manager;
 * <li>a manager no longer in its own Raft configuration (or recorded as a worker in its state) asks another
 * manager for a certificate: one with the worker role confirms the demotion, and the node becomes a worker.
 * </ul>
 */
final class RoleChanges implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RoleChanges.class);
    static final Duration PERIOD = Duration.ofSeconds(1);
    static final Duration PROBE_DEADLINE = Duration.ofSeconds(3);

    private final Daemon daemon;
    private ScheduledExecutorService timer;
    /** Ticks seen inactive (only the timer thread touches it). */
    private long inactiveTicks;
    /** Every this many ticks an inactive daemon with a saved state tries to resume it. */
    static final int RESUME_EVERY = 10;

    RoleChanges(Daemon daemon) {
        this.daemon = daemon;
    }

    synchronized void start() {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "jswarm-role-changes");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleWithFixedDelay(this::tick, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void tick() {
        try {
            switch (daemon.mode()) {
                case Daemon.Mode.Worker w -> {
                    if (w.session().view().map(v -> roleIn(v, w.state().getNodeId()) == io.jswarm.proto.state.Role.ROLE_MANAGER)
                            .orElse(false)) {
                        promote(w);
                    }
                }
                case Daemon.Mode.Manager m -> {
                    if (demotionSuspected(m.manager())) {
                        confirmDemotion(m);
                    }
                }
                case Daemon.Mode.Inactive i -> {
                    if (++inactiveTicks % RESUME_EVERY == 0) {
                        daemon.resumeIfStopped(); // a switch that could not start its new mode
                    }
                }
            }
        } catch (Exception e) {
            LOG.warn("role change check failed, will retry error={}", e.toString());
        }
    }

    private void promote(Daemon.Mode.Worker w) throws java.io.IOException {
        LOG.info("this node was promoted to a manager; fetching its manager credentials node={}", w.state().getNodeId());
        var creds = RoleSwitch.managerCredentials(w.session().managers(), w.keys(),
                ManagerJoin.listen(w.state().getListenAddr()), daemon.config().managerTimeout());
        if (creds.isPresent()) {
            daemon.becomeManager(w, creds.get());
        }
    }

    /**
     * A demotion takes this manager out of the Raft configuration before the role change is committed, so it
     * may never apply that change itself: not being a voter of its own configuration is one sign, its own state
     * saying worker another. A manager demoted while it was down comes back with neither (its log still names
     * it a voter): it finds no leader, since the others no longer answer it, so no leader is the third sign.
     * Each is only a suspicion (a joining manager is not a voter yet, an outage has no leader either): the
     * certificate another manager renews decides.
     */
    static boolean demotionSuspected(ManagerNode m) {
        var peers = m.managerPeers();
        boolean voting = peers.peers().stream().anyMatch(p -> p.nodeId().equals(m.nodeId()));
        return !voting || !peers.hasQuorum() || selfRole(m).map(r -> r == io.jswarm.proto.state.Role.ROLE_WORKER).orElse(false);
    }

    private void confirmDemotion(Daemon.Mode.Manager m) throws java.io.IOException {
        List<String> others = otherManagers(m);
        // A short deadline: while the cluster has no leader this runs every second, and the managers it asks may be
        // the unreachable ones.
        Duration deadline = daemon.config().managerTimeout().compareTo(PROBE_DEADLINE) < 0 ? daemon.config().managerTimeout()
                : PROBE_DEADLINE;
        Optional<NodeIdentity> renewed = RoleSwitch.renewed(others, m.manager().keys(), deadline);
        if (renewed.isPresent() && renewed.get().role() == Role.WORKER) {
            LOG.info("this manager was demoted; becoming a worker node={}", m.state().getNodeId());
            daemon.becomeWorker(m, renewed.get(), others);
        }
    }

    /** Every manager's API address but this node's own (the last view's, else the saved ones). */
    static List<String> otherManagers(Daemon.Mode.Manager m) {
        String own = m.state().getManagerAddrsCount() > 0 ? m.state().getManagerAddrs(0) : "";
        List<String> all;
        try {
            ClusterView v = m.manager().view();
            all = v.getNodesList().stream().filter(n -> !n.getId().equals(m.state().getNodeId()))
                    .map(NodeInfo::getManagerAddr).filter(a -> !a.isEmpty()).toList();
        } catch (io.grpc.StatusRuntimeException e) {
            all = m.state().getManagerAddrsList();
        }
        return all.stream().filter(a -> !a.equals(own)).distinct().toList();
    }

    private static Optional<io.jswarm.proto.state.Role> selfRole(ManagerNode m) {
        try {
            return Optional.ofNullable(roleIn(m.view(), m.nodeId()));
        } catch (io.grpc.StatusRuntimeException e) {
            return Optional.empty(); // a joining manager without a state yet
        }
    }

    private static io.jswarm.proto.state.Role roleIn(ClusterView v, String nodeId) {
        return v.getNodesList().stream().filter(n -> n.getId().equals(nodeId)).map(NodeInfo::getRole).findFirst().orElse(null);
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
