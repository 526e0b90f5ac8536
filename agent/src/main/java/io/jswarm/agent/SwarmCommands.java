package io.jswarm.agent;

import io.grpc.Status;
import io.jswarm.encryption.JoinToken;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.manager.api.Authorizer;
import io.jswarm.manager.api.InitParams;
import io.jswarm.manager.api.ManagerNode;
import io.jswarm.proto.cluster.InitRequest;
import io.jswarm.proto.cluster.InitResponse;
import io.jswarm.proto.cluster.JoinRequest;
import io.jswarm.proto.cluster.LocalJoinRequest;
import io.jswarm.proto.cluster.LocalJoinResponse;
import io.jswarm.proto.cluster.LocalNodeState;
import io.jswarm.vxlan.HostPort;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands that put this node into a swarm: {@code jswarm init}, {@code init --force-new-cluster} and
 * {@code jswarm join}. It owns no state: it reads and sets the {@link Daemon}'s mode through the daemon
 * ({@link Daemon#mode(Daemon.Mode)}), writes the data root ({@link SwarmDir}) and starts the new mode with
 * {@link Modes}.
 *
 * <p>Threads: the gRPC thread of a control call, always inside {@link Daemon#init} or {@link Daemon#join}, so
 * under the daemon's lock as every mode change is (never beside a leave, another command or a role switch).
 */
final class SwarmCommands {
    // Logs as the daemon: these lines moved here from Daemon and keep their logger.
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(20);

    private final Daemon daemon;
    private final DaemonConfig config;
    private final SwarmDir swarm;
    private final InstantSource clock;
    private final Modes modes;

    SwarmCommands(Daemon daemon, DaemonConfig config, SwarmDir swarm, InstantSource clock, Modes modes) {
        this.daemon = daemon;
        this.config = config;
        this.swarm = swarm;
        this.clock = clock;
        this.modes = modes;
    }

    /** {@code jswarm init}. */
    InitResponse init(InitRequest req) throws IOException {
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
                    Daemon.raftSettings(listen, advHost).advertise(), clock);
            LocalNodeState st = LocalNodeState.newBuilder().setNodeId(id.nodeId()).setClusterId(id.clusterId())
                    .setRole(io.jswarm.proto.state.Role.ROLE_MANAGER).addManagerAddrs(managerAddr)
                    .setAdvertiseAddr(advHost).setDataPathAddr(dataPath).setListenAddr(listen.toString()).build();
            Daemon.Mode.Manager m = modes.startManager(st);
            try {
                swarm.store(st); // last: a crash before this leaves no half-initialised node behind at restart
            } catch (IOException e) {
                modes.stopGossip();
                modes.stopNetworks();
                m.manager().close();
                throw e;
            }
            daemon.mode(m);
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
        Daemon.Mode mode = daemon.mode();
        if (!(mode instanceof Daemon.Mode.Manager m)) {
            throw Status.FAILED_PRECONDITION.withDescription(mode instanceof Daemon.Mode.Worker ? Authorizer.NOT_A_MANAGER
                    : Daemon.NOT_IN_SWARM).asRuntimeException();
        }
        var state = m.manager().stateSnapshot();
        String self = m.state().getNodeId();
        modes.stopGossip();
        modes.stopNetworks();
        m.manager().close();
        daemon.mode(new Daemon.Mode.Inactive());
        // No join peers any more: this node is the whole new cluster (with them it would wait to be added). Saved
        // first: a crash before the rewrite below restarts the old cluster's manager, and the command can be re-run.
        LocalNodeState st = m.state().toBuilder().clearJoinPeers().clearManagerAddrs()
                .addManagerAddrs(m.manager().managerAddr()).build();
        swarm.store(st);
        ManagerNode.forceNewCluster(swarm.path(), state, self);
        Daemon.Mode.Manager again = modes.startManager(st);
        daemon.mode(again);
        LOG.warn("new cluster forced from this manager's state node={}", self);
        return InitResponse.newBuilder().setNodeId(self).setManagerAddr(again.manager().managerAddr())
                .setWorkerToken(again.manager().joinToken(Role.WORKER).value()).build();
    }

    /** {@code jswarm join}. */
    LocalJoinResponse join(LocalJoinRequest req) throws IOException {
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
                daemon.mode(modes.startManager(st));
            } catch (IOException | RuntimeException e) {
                modes.stopGossip();
                modes.stopNetworks();
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
        daemon.mode(modes.startWorker(st, id));
        LOG.info("joined swarm node={} cluster={} manager={} joinMillis={}", id.nodeId(), id.clusterId(), remote,
                (System.nanoTime() - t0) / 1_000_000);
        return LocalJoinResponse.newBuilder().setNodeId(id.nodeId()).setRole(joined.response().getRole()).build();
    }

    private void requireInactive() {
        if (!(daemon.mode() instanceof Daemon.Mode.Inactive)) {
            throw Status.FAILED_PRECONDITION.withDescription("This node is already part of a swarm. Use \"jswarm leave\" "
                    + "to leave this swarm and join another one.").asRuntimeException();
        }
    }
}
