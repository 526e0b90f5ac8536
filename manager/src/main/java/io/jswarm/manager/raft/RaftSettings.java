package io.jswarm.manager.raft;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How this manager takes part in the replicated log (Apache Ratis over gRPC with mutual TLS).
 *
 * @param listen        where the Raft server listens (default {@code 0.0.0.0:2378}: the API port + 1)
 * @param advertise     the host:port other managers reach it at; stored as {@code AddNode.raft_addr}
 * @param joinPeers     for a manager joining an existing cluster with an empty Raft directory: the voting
 *                      managers now (from the join response); empty for the first manager and after a restart
 *                      (the configuration is then read from the log)
 * @param electionMin   the follower's election timeout, lower bound (default 1 s)
 * @param electionMax   upper bound (default 2 s): a dead leader is replaced within about this plus one election
 *                      round; well under the 3 s, and above the pauses a loaded 2-core machine shows
 */
public record RaftSettings(InetSocketAddress listen, String advertise, List<Peer> joinPeers,
                           Duration electionMin, Duration electionMax) {
    public static final int DEFAULT_PORT = 2378;
    public static final Duration DEFAULT_ELECTION_MIN = Duration.ofMillis(1000);
    public static final Duration DEFAULT_ELECTION_MAX = Duration.ofMillis(2000);

    /** A voting manager: node id and Raft address. */
    public record Peer(String nodeId, String raftAddr) {
        public Peer {
            Objects.requireNonNull(nodeId, "nodeId");
            Objects.requireNonNull(raftAddr, "raftAddr");
        }
    }

    public RaftSettings {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(advertise, "advertise");
        joinPeers = List.copyOf(joinPeers);
        if (electionMin.isNegative() || electionMin.isZero() || electionMax.compareTo(electionMin) <= 0) {
            throw new IllegalArgumentException("election timeouts must be 0 < min < max");
        }
    }

    /** Loopback on a free port chosen by the kernel: in-process tests with one manager. */
    public static RaftSettings loopback() {
        return new RaftSettings(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1:0", List.of(),
                Duration.ofMillis(150), Duration.ofMillis(300));
    }

    public static RaftSettings defaults(InetSocketAddress listen, String advertise) {
        return new RaftSettings(listen, advertise, List.of(), DEFAULT_ELECTION_MIN, DEFAULT_ELECTION_MAX);
    }

    public RaftSettings withJoinPeers(List<Peer> peers) {
        return new RaftSettings(listen, advertise, peers, electionMin, electionMax);
    }
}
