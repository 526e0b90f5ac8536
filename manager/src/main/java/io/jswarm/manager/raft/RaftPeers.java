package io.jswarm.manager.raft;

import io.jswarm.manager.state.ManagerPeers;
import io.jswarm.manager.state.StateStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.server.DivisionInfo;

/**
 * The Ratis group as {@link ManagerPeers}: the leader Ratis knows, the voting peers of the current
 * configuration, and a verdict per peer. The leader judges followers by the time since their last answer
 * (Ratis' follower info); a follower knows the leader is up (it hears it) and asks {@link #reachability}
 * (the daemon's gossip view) about the others.
 */
final class RaftPeers implements ManagerPeers {
    private final ReplicatedStore store;
    private volatile Predicate<String> reachability = id -> true;

    RaftPeers(ReplicatedStore store) {
        this.store = store;
    }

    /** How a follower judges managers other than the leader and itself (default: reachable). */
    void reachability(Predicate<String> p) {
        reachability = p;
    }

    @Override
    public String selfId() {
        return store.self().toString();
    }

    @Override
    public Optional<String> leaderId() {
        DivisionInfo info = store.division().getInfo();
        if (!info.isAlive()) {
            // A stopped division still names its last leader. Ratis stops a manager demoted while it lagged (the
            // others answer its votes with "shut down") before it learns the configuration or the role: no leader
            // is then its only sign of the demotion (RoleChanges), and writes fail at once instead of timing out.
            return Optional.empty();
        }
        if (info.isLeader()) {
            return info.isLeaderReady() ? Optional.of(selfId()) : Optional.empty();
        }
        if (!info.isFollower()) {
            return Optional.empty(); // a candidate (or listener) knows no leader
        }
        RaftPeerId leader = info.getLeaderId();
        return leader == null ? Optional.empty() : Optional.of(leader.toString());
    }

    @Override
    public List<Peer> peers() {
        var division = store.division();
        Optional<String> leader = leaderId();
        Map<String, Long> silentMs = new HashMap<>();
        DivisionInfo info = division.getInfo();
        if (info.isLeader()) {
            for (ServerRpcProto f : info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList()) {
                silentMs.put(f.getId().getId().toStringUtf8(), f.getLastRpcElapsedTimeMs());
            }
        }
        long limit = store.settings().electionMax().toMillis() * 2;
        List<Peer> out = new ArrayList<>();
        for (RaftPeer p : division.getRaftConf().getCurrentPeers()) {
            String id = p.getId().toString();
            Status status;
            if (leader.filter(id::equals).isPresent()) {
                status = Status.LEADER;
            } else if (id.equals(selfId())) {
                status = Status.REACHABLE;
            } else if (info.isLeader()) {
                Long silent = silentMs.get(id);
                status = silent != null && silent < limit ? Status.REACHABLE : Status.UNREACHABLE;
            } else {
                status = reachability.test(id) ? Status.REACHABLE : Status.UNREACHABLE;
            }
            out.add(new Peer(id, p.getAddress() == null ? "" : p.getAddress(), status));
        }
        out.sort(Comparator.comparing(Peer::nodeId));
        return out;
    }

    @Override
    public void add(String nodeId, String raftAddr) throws IOException {
        // No shortcut on this manager's own configuration: a joiner's is not the leader's. ADD of a voter the
        // leader already has is a no-op there, so a retry after a lost answer is harmless.
        setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
                .setServersInNewConf(List.of(RaftRuntime.peer(nodeId, raftAddr)))
                .setMode(SetConfigurationRequest.Mode.ADD).build(), "add manager " + nodeId);
    }

    @Override
    public void remove(String nodeId) throws IOException {
        var current = store.division().getRaftConf().getCurrentPeers();
        List<RaftPeer> next = current.stream().filter(p -> !p.getId().toString().equals(nodeId)).toList();
        if (next.size() == current.size()) {
            return;
        }
        if (next.isEmpty()) {
            throw new IOException("cannot remove the last manager");
        }
        setConfiguration(SetConfigurationRequest.Arguments.newBuilder().setServersInNewConf(next)
                .setServersInCurrentConf(List.copyOf(current))
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET).build(), "remove manager " + nodeId);
    }

    private void setConfiguration(SetConfigurationRequest.Arguments args, String what) throws IOException {
        // A joiner knows no leader before it is added: its client finds the leader among the join response's voters.
        if (!hasQuorum() && !store.joining()) {
            throw new StateStore.NoQuorumException(ReplicatedStore.NO_LEADER);
        }
        RaftClientReply reply = store.writer().admin().setConfiguration(args);
        if (!reply.isSuccess()) {
            throw new IOException("cannot " + what + ": " + reply.getException());
        }
    }
}
