package io.jswarm.manager.api;

import io.grpc.Status;
import io.jswarm.encryption.CertificateRequest;
import io.jswarm.manager.state.Applied;
import io.jswarm.manager.state.ManagerPeers;
import io.jswarm.manager.state.StateStore;
import io.jswarm.proto.cluster.DemoteNodeResponse;
import io.jswarm.proto.cluster.ManagerCredentialsRequest;
import io.jswarm.proto.cluster.ManagerCredentialsResponse;
import io.jswarm.proto.cluster.PromoteNodeResponse;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.Role;
import io.jswarm.proto.state.SetNodeRole;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 12: {@code node promote} / {@code node demote} on the manager side, and the call a promoted node makes
 * for its manager credentials. Promote is one {@code SetNodeRole(manager)} in the log; the node sees it in its
 * view and comes back for a certificate and the bundle ({@link #credentials}), which records its addresses.
 * Demote takes the node out of the Raft configuration first, then {@code SetNodeRole(worker)}: so a manager
 * the state calls a worker never votes, and a retry after a failure in between finishes the job.
 */
final class Promotions {
    private static final Logger LOG = LoggerFactory.getLogger(Promotions.class);
    /** swarmkit's texts (controlapi UpdateNode). */
    static final String LAST_MANAGER = "attempting to demote the last manager of the swarm";
    static final String QUORUM = "can't remove member from the raft: this would result in a loss of quorum";

    private final ManagerNode manager;

    Promotions(ManagerNode manager) {
        this.manager = manager;
    }

    PromoteNodeResponse promote(String ref) {
        AddNode node = manager.table().resolve(ref);
        if (node.getRole() == Role.ROLE_MANAGER) {
            return PromoteNodeResponse.newBuilder().setNodeId(node.getNodeId()).setChanged(false).build();
        }
        manager.submit(setRole(node.getNodeId(), Role.ROLE_MANAGER, "", ""), Applied.NodeRoleChanged.class);
        LOG.info("node promoted node={}", node.getNodeId());
        manager.viewChangedSoon();
        return PromoteNodeResponse.newBuilder().setNodeId(node.getNodeId()).setChanged(true).build();
    }

    DemoteNodeResponse demote(String ref) {
        AddNode node = manager.table().resolve(ref);
        String id = node.getNodeId();
        if (node.getRole() != Role.ROLE_MANAGER) {
            return DemoteNodeResponse.newBuilder().setNodeId(id).setChanged(false).build();
        }
        long managers = manager.store().view().nodes().stream().filter(n -> n.getRole() == Role.ROLE_MANAGER).count();
        if (managers <= 1) {
            throw Status.FAILED_PRECONDITION.withDescription(LAST_MANAGER).asRuntimeException();
        }
        ManagerPeers peers = manager.store().peers();
        List<ManagerPeers.Peer> voting = peers.peers();
        if (voting.stream().anyMatch(p -> p.nodeId().equals(id))) {
            if (!canRemove(voting, id)) {
                throw Status.FAILED_PRECONDITION.withDescription(QUORUM).asRuntimeException();
            }
            try {
                peers.remove(id); // works for an unreachable manager too: the others vote on it
            } catch (StateStore.NoQuorumException e) {
                throw Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
            } catch (IOException e) {
                throw Status.UNAVAILABLE.withDescription("cannot take " + id + " out of the Raft configuration: "
                        + e.getMessage()).asRuntimeException();
            }
        }
        submitSoon(setRole(id, Role.ROLE_WORKER, "", ""));
        LOG.info("node demoted node={}", id);
        manager.viewChangedSoon();
        return DemoteNodeResponse.newBuilder().setNodeId(id).setChanged(true).build();
    }

    /** How long the role change after a removal waits for a leader (the removed one may have led). */
    static final java.time.Duration LEADER_WAIT = java.time.Duration.ofSeconds(6);

    /**
     * Submits, waiting out a missing leader for up to {@link #LEADER_WAIT}: removing the leader from the
     * configuration makes it step down, and the rest elect a new one within an election timeout (1-2 s).
     */
    private void submitSoon(Command command) {
        long deadline = System.nanoTime() + LEADER_WAIT.toNanos();
        while (true) {
            try {
                manager.submit(command, Applied.NodeRoleChanged.class);
                return;
            } catch (io.grpc.StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || System.nanoTime() - deadline > 0) {
                    throw e;
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
            }
        }
    }

    /**
     * swarmkit's CanRemoveMember: after the removal, the reachable remaining managers must still be a majority
     * of the remaining ones (else the cluster would be left without a quorum it can reach).
     */
    static boolean canRemove(List<ManagerPeers.Peer> voting, String id) {
        List<ManagerPeers.Peer> remaining = voting.stream().filter(p -> !p.nodeId().equals(id)).toList();
        if (remaining.isEmpty()) {
            return false;
        }
        long reachable = remaining.stream().filter(p -> p.status() != ManagerPeers.Status.UNREACHABLE).count();
        return reachable >= remaining.size() / 2 + 1;
    }

    /**
     * A promoted node's credentials: only for a caller the state lists as a manager (its certificate may still
     * say worker); a manager certificate for the key in its CSR, the bundle, and its API and Raft addresses
     * (at the advertise host the state knows, never one it names) recorded in the log.
     */
    ManagerCredentialsResponse credentials(Caller caller, ManagerCredentialsRequest req) {
        AddNode node = manager.table().node(caller.nodeId()).filter(n -> n.getRole() == Role.ROLE_MANAGER)
                .orElseThrow(() -> Status.PERMISSION_DENIED.withDescription("node " + caller.nodeId()
                        + " is not a manager of this swarm").asRuntimeException());
        ManagerBundles.checkPorts(req.getManagerPort(), req.getRaftPort());
        CertificateRequest csr = new CertificateRequest(req.getCsrDer().toByteArray());
        try {
            csr.verifiedPublicKey();
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
        var bundle = ManagerBundles.bundle(manager, node.getNodeId());
        String managerAddr = ManagerBundles.hostPort(node.getAdvertiseAddr(), req.getManagerPort());
        String raftAddr = ManagerBundles.hostPort(node.getAdvertiseAddr(), req.getRaftPort());
        if (!managerAddr.equals(node.getManagerAddr()) || !raftAddr.equals(node.getRaftAddr())) {
            manager.submit(setRole(node.getNodeId(), Role.ROLE_MANAGER, managerAddr, raftAddr), Applied.NodeRoleChanged.class);
            manager.viewChangedSoon();
        }
        X509Certificate cert = manager.ca().sign(csr, node.getNodeId(), io.jswarm.encryption.Role.MANAGER,
                manager.joins().certValidity());
        LOG.info("manager credentials issued node={} managerAddr={} raftAddr={}", node.getNodeId(), managerAddr, raftAddr);
        return ManagerCredentialsResponse.newBuilder().setCertificateDer(ManagerNode.der(cert))
                .setManagerBundle(bundle.toBuilder().setAdvertiseAddr(node.getAdvertiseAddr())
                        .setManagerAddr(managerAddr).setRaftAddr(raftAddr)).build(); // never logged: it holds the CA key
    }

    private static Command setRole(String nodeId, Role role, String managerAddr, String raftAddr) {
        return Command.newBuilder().setSetNodeRole(SetNodeRole.newBuilder().setNodeId(nodeId).setRole(role)
                .setManagerAddr(managerAddr).setRaftAddr(raftAddr)).build();
    }
}
