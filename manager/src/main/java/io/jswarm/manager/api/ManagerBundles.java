package io.jswarm.manager.api;

import io.grpc.Status;
import io.jswarm.encryption.SecretSeal;
import io.jswarm.manager.state.ManagerPeers;
import io.jswarm.manager.state.StateView;
import io.jswarm.proto.cluster.ManagerBundle;
import io.jswarm.proto.cluster.RaftPeerInfo;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.Role;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Issue 12: what a manager hands a new manager (joined with a manager token, or promoted): the cluster CA's
 * private key, the seal key of the join secrets and data-key roots ({@code ca/secrets.key}), and the voting
 * managers it must start its Raft server with. The bundle travels only inside the join's pinned TLS
 * connection (or a promoted manager's mutual-TLS call) and is never logged (protobuf's toString prints
 * bytes).
 */
final class ManagerBundles {
    static final String NOT_REPLICATED = "this manager's state is not replicated (no Raft address is known for the "
            + "managers), so no manager can be added. Join as a worker.";

    private ManagerBundles() {
    }

    /**
     * The voting managers a new one starts with, {@code newId} left out: every peer of the Raft configuration,
     * with its Raft address from the configuration or else the state's {@code AddNode.raft_addr}. Empty when
     * any address is unknown (a store that is not replicated): a manager started with part of the group
     * could elect itself with the others' votes missing from its view.
     */
    static Optional<List<RaftPeerInfo>> votingPeers(List<ManagerPeers.Peer> peers, StateView state, String newId) {
        List<RaftPeerInfo> out = new ArrayList<>();
        for (ManagerPeers.Peer p : peers) {
            if (p.nodeId().equals(newId)) {
                continue;
            }
            String addr = !p.raftAddr().isEmpty() ? p.raftAddr()
                    : state.node(p.nodeId()).filter(n -> n.getRole() == Role.ROLE_MANAGER).map(AddNode::getRaftAddr).orElse("");
            if (addr.isEmpty()) {
                return Optional.empty();
            }
            out.add(RaftPeerInfo.newBuilder().setNodeId(p.nodeId()).setRaftAddr(addr).build());
        }
        return out.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(out));
    }

    /** The bundle for manager {@code newId}; FAILED_PRECONDITION when this store cannot take another manager. */
    static ManagerBundle bundle(ManagerNode manager, String newId) {
        List<RaftPeerInfo> peers = votingPeers(manager.store().peers().peers(), manager.store().view(), newId)
                .orElseThrow(() -> Status.FAILED_PRECONDITION.withDescription(NOT_REPLICATED).asRuntimeException());
        byte[] seal;
        try {
            seal = SecretSeal.readKey(manager.swarmDir().resolve("ca").resolve(JoinSecrets.KEY_FILE));
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("cannot read this manager's seal key: " + e.getMessage()).asRuntimeException();
        }
        return ManagerBundle.newBuilder()
                .setCaKeyPkcs8(com.google.protobuf.ByteString.copyFrom(manager.ca().privateKeyPkcs8()))
                .setSealKey(com.google.protobuf.ByteString.copyFrom(seal)).addAllPeers(peers).build();
    }

    /** A port a node reports for its API or Raft server: 1..65535, and the two must differ. */
    static void checkPorts(int managerPort, int raftPort) {
        if (managerPort < 1 || managerPort > 65535 || raftPort < 1 || raftPort > 65535) {
            throw Status.INVALID_ARGUMENT.withDescription("a manager needs its API and Raft ports (1-65535), got "
                    + managerPort + " and " + raftPort).asRuntimeException();
        }
        if (managerPort == raftPort) {
            throw Status.INVALID_ARGUMENT.withDescription("the API and Raft ports must differ, both are " + managerPort)
                    .asRuntimeException();
        }
    }

    /** host:port, with brackets for an IPv6 literal. */
    static String hostPort(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
