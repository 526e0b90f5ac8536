package io.jswarm.manager.state;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The managers that replicate a {@link StateStore}, as this manager sees them: who leads, who is reachable,
 * and changes to the set (a manager joins, is promoted or demoted). For a local store, one peer: itself,
 * always the leader.
 */
public interface ManagerPeers {

    /** Docker's MANAGER STATUS column. */
    enum Status {
        LEADER, REACHABLE, UNREACHABLE
    }

    /** One voting manager: its node id, its Raft address (host:port), and this manager's verdict on it. */
    record Peer(String nodeId, String raftAddr, Status status) {
        public Peer {
            java.util.Objects.requireNonNull(nodeId, "nodeId");
            java.util.Objects.requireNonNull(raftAddr, "raftAddr");
            java.util.Objects.requireNonNull(status, "status");
        }
    }

    String selfId();

    /** The current leader's node id, if this manager knows one. */
    Optional<String> leaderId();

    default boolean isLeader() {
        return leaderId().filter(selfId()::equals).isPresent();
    }

    /** The voting managers of the current configuration, sorted by node id. */
    List<Peer> peers();

    /** True while a leader is known (writes can commit). */
    default boolean hasQuorum() {
        return leaderId().isPresent();
    }

    /**
     * Adds a voting manager that is already running its Raft server (it catches up from the log or a
     * snapshot first). Returns when the new configuration is committed; fails fast without a quorum.
     */
    void add(String nodeId, String raftAddr) throws IOException;

    /** Removes a voting manager (demote; a lost manager's disk). Returns when committed. */
    void remove(String nodeId) throws IOException;

    /** A store of one manager: {@code nodeId} leads, nothing can be added. */
    static ManagerPeers solo(String nodeId) {
        return new ManagerPeers() {
            @Override
            public String selfId() {
                return nodeId;
            }

            @Override
            public Optional<String> leaderId() {
                return Optional.of(nodeId);
            }

            @Override
            public List<Peer> peers() {
                return List.of(new Peer(nodeId, "", Status.LEADER));
            }

            @Override
            public void add(String id, String raftAddr) throws IOException {
                throw new IOException("this manager's state is not replicated: no manager can be added");
            }

            @Override
            public void remove(String id) throws IOException {
                throw new IOException("this manager's state is not replicated: no manager can be removed");
            }
        };
    }
}
