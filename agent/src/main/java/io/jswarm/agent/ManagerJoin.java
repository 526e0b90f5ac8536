package io.jswarm.agent;

import io.grpc.Status;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.SecretSeal;
import io.jswarm.manager.raft.RaftSettings;
import io.jswarm.proto.cluster.LocalNodeState;
import io.jswarm.proto.cluster.ManagerBundle;
import io.jswarm.proto.cluster.RaftPeerInfo;
import io.jswarm.vxlan.HostPort;
import java.io.IOException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.time.Duration;
import io.grpc.StatusRuntimeException;
import io.jswarm.manager.api.ManagerNode;
import io.jswarm.proto.cluster.ClusterView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 12: a node becoming a manager of an existing cluster, on the node's side (joined with a manager token,
 * or promoted): the files a manager needs, written where {@code ManagerNode.open} reads them, and the Raft
 * settings it starts with. {@code ca/} is written as {@link CertificateAuthority#store} and the join
 * secrets' seal expect (owner-only: 0600 files, 0700 directories); nothing here logs the bundle.
 *
 * <p>Crash safety is the caller's order: these files first, {@code state.pb} (which makes the node a manager
 * at the next start) after them, the manager started last, everything erased if any step fails. A daemon
 * killed before {@code state.pb} finds leftovers without a state and erases them at its next start.
 */
final class ManagerJoin {
    private static final Logger LOG = LoggerFactory.getLogger(ManagerJoin.class);
    /** The Raft server listens on the API listen port + 1 (2378 by default; no flag of its own). */
    static final int RAFT_PORT_OFFSET = 1;
    static final String DEFAULT_LISTEN = "0.0.0.0:2377";

    private ManagerJoin() {
    }

    /** Where a manager of this node would listen for the API (the join's {@code --listen-addr}, default 0.0.0.0:2377). */
    static HostPort listen(String listenAddr) {
        HostPort hp = HostPort.parse(listenAddr.isEmpty() ? DEFAULT_LISTEN : listenAddr, 2377);
        if (hp.port() + RAFT_PORT_OFFSET > 65535) {
            throw Status.INVALID_ARGUMENT.withDescription("listen port " + hp.port() + " leaves no port for Raft (port + 1)")
                    .asRuntimeException();
        }
        return hp;
    }

    static int raftPort(HostPort listen) {
        return listen.port() + RAFT_PORT_OFFSET;
    }

    /**
     * Writes the CA (certificate pinned by the token, key from the bundle), the seal key and this node's
     * manager certificate under {@code swarm}, and returns the state to store: role manager, its own API
     * address first among the managers (a manager reads its own from there), the voting peers to join.
     */
    static LocalNodeState install(SwarmDir swarm, NodeIdentity identity, ManagerBundle bundle, List<String> managerAddrs,
                                  HostPort listen, String dataPathAddr, InstantSource clock) throws IOException {
        check(bundle, identity);
        CertificateAuthority ca;
        try {
            ca = CertificateAuthority.fromKey(identity.root(), bundle.getCaKeyPkcs8().toByteArray(), clock);
        } catch (IllegalArgumentException e) {
            throw Status.PERMISSION_DENIED.withDescription("the manager sent an unusable CA key: " + e.getMessage())
                    .asRuntimeException();
        }
        swarm.createOwnerOnly();
        ca.store(swarm.path().resolve("ca"));
        SecretSeal.writeKey(swarm.path().resolve("ca").resolve("secrets.key"), bundle.getSealKey().toByteArray());
        identity.store(swarm.certificates());
        List<String> managers = new ArrayList<>();
        managers.add(bundle.getManagerAddr());
        managerAddrs.stream().filter(a -> !a.equals(bundle.getManagerAddr())).forEach(managers::add);
        return LocalNodeState.newBuilder().setNodeId(identity.nodeId()).setClusterId(identity.clusterId())
                .setRole(io.jswarm.proto.state.Role.ROLE_MANAGER).addAllManagerAddrs(managers)
                .setAdvertiseAddr(bundle.getAdvertiseAddr())
                .setDataPathAddr(dataPathAddr.isEmpty() ? bundle.getAdvertiseAddr() : dataPathAddr)
                .setListenAddr(listen.toString()).addAllJoinPeers(bundle.getPeersList()).build();
    }

    /** A bundle the node can serve with: every part present, peers named, none of them this node. */
    static void check(ManagerBundle bundle, NodeIdentity identity) {
        if (bundle.getCaKeyPkcs8().isEmpty() || bundle.getSealKey().isEmpty() || bundle.getPeersCount() == 0
                || bundle.getAdvertiseAddr().isEmpty() || bundle.getManagerAddr().isEmpty() || bundle.getRaftAddr().isEmpty()) {
            throw Status.PERMISSION_DENIED.withDescription("the manager's answer lacks what a new manager needs "
                    + "(CA key, seal key, addresses and Raft peers)").asRuntimeException();
        }
        for (RaftPeerInfo p : bundle.getPeersList()) {
            if (p.getNodeId().isEmpty() || p.getRaftAddr().isEmpty() || p.getNodeId().equals(identity.nodeId())) {
                throw Status.PERMISSION_DENIED.withDescription("the manager sent an unusable Raft peer list")
                        .asRuntimeException();
            }
        }
        if (identity.role() != io.jswarm.encryption.Role.MANAGER) {
            throw Status.PERMISSION_DENIED.withDescription("the manager issued a " + identity.role().label()
                    + " certificate for a manager").asRuntimeException();
        }
    }

    /**
     * How long a new manager's join waits for its state to arrive from the others (added to the Raft group,
     * caught up from the log or a snapshot) before answering; it keeps catching up after that.
     */
    static final Duration CATCH_UP = Duration.ofSeconds(15);

    /**
     * The manager's first view: at once for a manager with a state, after the catch-up for a joining one
     * (empty if it has not caught up within {@code wait}; views then follow as commands are applied).
     */
    static Optional<ClusterView> firstView(ManagerNode m, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            try {
                return Optional.of(m.view());
            } catch (StatusRuntimeException e) {
                if (System.nanoTime() - deadline > 0) {
                    LOG.info("manager state not caught up yet; views follow as it arrives node={}", m.nodeId());
                    return Optional.empty();
                }
            }
            try {
                Thread.sleep(50); // polled: a joining store tells no one when its first command lands
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    /**
     * The Raft server of a manager with state {@code st}: listen host : API port + 1, advertised at the
     * advertise host : that port; the peers to join when its Raft directory is still empty (ignored after).
     */
    static RaftSettings raft(LocalNodeState st) {
        HostPort listen = HostPort.parse(st.getListenAddr().isEmpty() ? DEFAULT_LISTEN : st.getListenAddr(), 2377);
        List<RaftSettings.Peer> peers = st.getJoinPeersList().stream()
                .map(p -> new RaftSettings.Peer(p.getNodeId(), p.getRaftAddr())).toList();
        return Daemon.raftSettings(listen, st.getAdvertiseAddr()).withJoinPeers(peers);
    }
}
