package io.jswarm.manager.state;

import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.AddressPool;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.InitCluster;
import io.jswarm.proto.state.RemoveNode;
import io.jswarm.proto.state.Role;
import io.jswarm.proto.state.RotateJoinToken;

/** Test builders for log commands. */
final class Commands {
    private Commands() {
    }

    static Command init(String clusterId) {
        return Command.newBuilder().setInitCluster(InitCluster.newBuilder().setClusterId(clusterId)
                .setWorkerTokenSecret("w0").setManagerTokenSecret("m0").setDataPathPort(4789)
                .setDefaultAddressPool(AddressPool.newBuilder().addCidrs("10.0.0.0/8").setMaskLength(24))).build();
    }

    static Command add(String nodeId, Role role) {
        return Command.newBuilder().setAddNode(AddNode.newBuilder().setNodeId(nodeId).setHostname("host-" + nodeId)
                .setRole(role).setDataPathAddr("192.0.2.10")).build();
    }

    static Command remove(String nodeId) {
        return Command.newBuilder().setRemoveNode(RemoveNode.newBuilder().setNodeId(nodeId)).build();
    }

    /** Asserts the command applied (was not refused) and returns what it did. */
    static Applied assertApplied(Applied applied) {
        if (applied instanceof Applied.Refused r) {
            throw new AssertionError("refused: " + r.reason());
        }
        return applied;
    }

    static Command rotate(Role role, String secret) {
        return Command.newBuilder().setRotateJoinToken(RotateJoinToken.newBuilder().setRole(role).setNewSecret(secret)).build();
    }
}
