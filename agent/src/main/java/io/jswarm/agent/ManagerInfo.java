package io.jswarm.agent;

import io.jswarm.manager.api.ManagerNode;
import io.jswarm.manager.state.ManagerPeers;
import io.jswarm.proto.cluster.InfoResponse;
import io.jswarm.proto.cluster.NodeInfo;

/** Issue 12: what {@code jswarm info} says about the managers on a manager: the leader, reachability, quorum. */
final class ManagerInfo {
    private ManagerInfo() {
    }

    /**
     * Docker's refusal of {@code leave} without {@code --force} on a manager: the last manager erases the swarm;
     * otherwise what the departure does to the quorum (swarmkit's reachable/unreachable counts).
     */
    static String leaveRefusal(ManagerNode m) {
        String msg = "You are attempting to leave the swarm on a node that is participating as a manager. ";
        var voting = m.managerPeers().peers();
        long reachable = voting.stream().filter(p -> p.status() != ManagerPeers.Status.UNREACHABLE).count();
        long unreachable = voting.size() - reachable;
        if (leaveLosesQuorum(reachable, unreachable)) {
            if (reachable == 1 && unreachable == 0) {
                return msg + "Removing the last manager erases all current state of the swarm. Use `--force` to ignore this message.";
            }
            msg += "Removing this node leaves " + (reachable - 1) + " managers out of " + voting.size()
                    + ". Without a Raft quorum your swarm will be inaccessible. ";
        }
        return msg + "The only way to restore a swarm that has lost consensus is to reinitialize it with "
                + "`--force-new-cluster`. Use `--force` to suppress this message.";
    }

    /** swarmkit's removingManagerCausesLossOfQuorum. */
    static boolean leaveLosesQuorum(long reachable, long unreachable) {
        return reachable - 2 <= unreachable;
    }

    static void fill(InfoResponse.Builder b, ManagerNode m) {
        ManagerPeers peers = m.managerPeers();
        var voting = peers.peers();
        var leader = peers.leaderId();
        boolean quorum = peers.hasQuorum();
        b.setHasQuorum(quorum).setPossiblyStale(!quorum)
                .setReachableManagers((int) voting.stream().filter(p -> p.status() != ManagerPeers.Status.UNREACHABLE).count());
        leader.ifPresent(id -> {
            b.setLeaderId(id);
            try {
                m.view().getNodesList().stream().filter(n -> n.getId().equals(id)).map(NodeInfo::getManagerAddr)
                        .findFirst().ifPresent(b::setLeaderAddr);
            } catch (io.grpc.StatusRuntimeException e) {
                // no state yet (a joining manager): the leader's id is all there is
            }
        });
        if (b.getManagers() == 0) {
            b.setManagers(voting.size());
        }
    }
}
