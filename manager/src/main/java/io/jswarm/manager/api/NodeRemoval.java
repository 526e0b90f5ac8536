package io.jswarm.manager.api;

import io.grpc.Status;
import io.jswarm.manager.state.Applied;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.RemoveNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code node rm} on the manager side ({@link ManagerNode#remove}): the checks, the {@code RemoveNode} in the log,
 * and what follows it on this manager (the node's session closed, its data-plane keys dropped, the view pushed).
 * Static only, it owns no state; it runs on the caller's thread (the daemon's Control service).
 */
final class NodeRemoval {
    // Logs as the manager: these lines moved here from ManagerNode and keep their logger.
    private static final Logger LOG = LoggerFactory.getLogger(ManagerNode.class);

    private NodeRemoval() {
    }

    /** {@code node rm}: refuses managers, and nodes still up unless forced; revokes the node's identity. */
    static String remove(ManagerNode manager, String ref, boolean force) {
        NodeTable table = manager.table();
        AddNode node = table.resolve(ref);
        if (node.getRole() == io.jswarm.proto.state.Role.ROLE_MANAGER) {
            throw Status.FAILED_PRECONDITION.withDescription("node " + node.getNodeId() + " is a cluster manager and is a "
                    + "member of the raft cluster. It must be demoted to worker before removal").asRuntimeException();
        }
        if (!force && table.liveness(node.getNodeId()) == NodeHealth.Liveness.ALIVE) {
            throw Status.FAILED_PRECONDITION.withDescription("node " + node.getNodeId()
                    + " is not down and can't be removed").asRuntimeException();
        }
        manager.submit(Command.newBuilder().setRemoveNode(RemoveNode.newBuilder().setNodeId(node.getNodeId())).build(),
                Applied.NodeRemoved.class);
        manager.sessions().kick(node.getNodeId(), Status.PERMISSION_DENIED.withDescription(
                "node " + node.getNodeId() + " was removed from the swarm"));
        LOG.info("node removed node={} force={}", node.getNodeId(), force);
        manager.keyService().nodeRemoved(node.getNodeId()); // its pairs leave every node's keys, and the keys rotate
        manager.viewChangedSoon();
        return node.getNodeId();
    }
}
