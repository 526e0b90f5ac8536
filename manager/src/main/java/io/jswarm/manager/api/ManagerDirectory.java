package io.jswarm.manager.api;

import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.JoinToken;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.manager.state.EndpointQuota;
import io.jswarm.manager.state.LocalCommandLog;
import io.jswarm.manager.state.ManagerStore;
import io.jswarm.manager.state.StateStore;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.AddressPool;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.InitCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A manager's directory ({@code swarmDir}): creates it for a new cluster ({@link ManagerNode#bootstrap}), reopens
 * it as a {@link ManagerNode} ({@link ManagerNode#open}) and rewrites it into a new cluster
 * ({@link ManagerNode#forceNewCluster}). Static only: it owns nothing but what it writes, and runs on its caller's
 * thread (the daemon's init, join, restart or role switch; tests), never while a manager serves the directory.
 *
 * <p>Directory layout ({@code swarmDir}): {@code ca/} (root key and the join secrets' seal key, 0600),
 * {@code certificates/} (this node's identity), {@code raft/} (command log and snapshots).
 */
final class ManagerDirectory {
    // Logs as the manager: these lines moved here from ManagerNode and keep their logger.
    private static final Logger LOG = LoggerFactory.getLogger(ManagerNode.class);

    private ManagerDirectory() {
    }

    /** {@link ManagerNode#bootstrap(Path, InitParams, String, InstantSource)}. */
    static NodeIdentity bootstrap(Path swarmDir, InitParams p, String raftAddr, InstantSource clock) throws IOException {
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
                    .setClusterId(clusterId).setCaCertificateDer(ManagerNode.der(root))
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

    /** {@link ManagerNode#forceNewCluster}. */
    static void forceNewCluster(Path swarmDir, io.jswarm.proto.state.Snapshot state, String selfId) throws IOException {
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

    /** {@link ManagerNode#open(Path, ManagerConfig, EndpointQuota, io.jswarm.manager.keys.KeyRotationConfig, InstantSource)}. */
    static ManagerNode open(Path swarmDir, ManagerConfig config, EndpointQuota endpointQuota,
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

    private static void commit(StateStore store, Command c) throws IOException {
        if (store.submit(c) instanceof StateStore.Outcome.Refused r) {
            throw new IOException("bootstrap command refused: " + r.reason());
        }
    }
}
