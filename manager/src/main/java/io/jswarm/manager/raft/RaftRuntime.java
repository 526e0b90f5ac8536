package io.jswarm.manager.raft;

import io.jswarm.encryption.tls.IdentityKeyManager;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * Ratis' knobs in one place: properties, TLS parameters, ids, clients. Values chosen for a control plane of
 * 3-7 managers with small commands (a few hundred bytes) on small machines; each says why.
 */
final class RaftRuntime {
    private RaftRuntime() {
    }

    /** The cluster's one Raft group: a UUID derived from the cluster id, so every manager computes the same. */
    static RaftGroupId groupId(String clusterId) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("jswarm-managers/" + clusterId).getBytes(StandardCharsets.UTF_8)));
    }

    static RaftPeer peer(String nodeId, String raftAddr) {
        return RaftPeer.newBuilder().setId(RaftPeerId.valueOf(nodeId)).setAddress(raftAddr).build();
    }

    static RaftGroup group(RaftGroupId id, List<RaftSettings.Peer> peers) {
        return RaftGroup.valueOf(id, peers.stream().map(p -> peer(p.nodeId(), p.raftAddr())).toList());
    }

    /**
     * A port 0 in the settings (tests): a free one, chosen once and kept in {@code memo}, since peers dial the
     * advertised address and the log's configuration names it (a restart on another port would be unreachable).
     */
    static InetSocketAddress bindable(InetSocketAddress listen, Path memo) throws IOException {
        if (listen.getPort() != 0) {
            return listen;
        }
        if (java.nio.file.Files.exists(memo)) {
            return new InetSocketAddress(listen.getAddress(), Integer.parseInt(java.nio.file.Files.readString(memo).strip()));
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, listen.getAddress())) {
            port = s.getLocalPort();
        }
        java.nio.file.Files.createDirectories(memo.getParent());
        java.nio.file.Files.writeString(memo, Integer.toString(port));
        java.nio.file.Files.setPosixFilePermissions(memo, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return new InetSocketAddress(listen.getAddress(), port);
    }

    static RaftProperties properties(Path storage, InetSocketAddress listen, RaftSettings s) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        RaftServerConfigKeys.setStorageDir(p, List.of(new File(storage.toString())));
        GrpcConfigKeys.Server.setHost(p, listen.getAddress().getHostAddress());
        GrpcConfigKeys.Server.setPort(p, listen.getPort());
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, ms(s.electionMin().toMillis()));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, ms(s.electionMax().toMillis()));
        // Right after a start nobody is leading yet (a lone manager, or every manager restarted): elect within
        // 0.1-0.3 s, not a whole timeout. Pre-vote keeps a restarted follower from unseating a live leader.
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, ms(Math.min(100, s.electionMin().toMillis())));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, ms(Math.min(300, s.electionMax().toMillis())));
        // Reads on any manager are linearizable (ReadIndex through the leader); the leader answers from its lease.
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
        // A snapshot every 1000 entries, the log behind it dropped: a restart replays at most that, and a new
        // manager catches up from one small file (the state is kilobytes to a few megabytes).
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, 1000);
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("8MB"));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf("1MB"));
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf("512KB"));
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf("1MB"));
        // A leader that cannot reach a majority steps down after an election timeout: a cut-off old leader stops
        // claiming writes at once instead of waiting out Ratis' 10 s default.
        RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(p, ms(s.electionMax().toMillis()));
        // Commands are tiny; the defaults' 32 MB buffers would dominate a small daemon's heap.
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("8MB"));
        GrpcConfigKeys.Server.setLeaderOutstandingAppendsMax(p, 32);
        // One channel per follower for entries and heartbeats. With Ratis' separate heartbeat channel a follower
        // that was cut off answered INCONSISTENCY alternately with nextIndex N and N+1 to the two channels after the
        // partition healed and never caught up (HaClusterE2ETest, 60 s; RATIS-2242): its reads stayed stale.
        GrpcConfigKeys.Server.setHeartbeatChannel(p, false);
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, ms(1500));
        // A follower's linearizable read asks the leader for its commit index: during an election that leader may
        // be gone; give up within a second (the answer is then flagged possibly stale) instead of Ratis' 10 s.
        RaftServerConfigKeys.Read.setTimeout(p, ms(READ_TIMEOUT_MS));
        return p;
    }

    /** The server's bound on a linearizable read (above), also the reader client's request timeout. */
    static final long READ_TIMEOUT_MS = 1000;

    /**
     * The reader's properties: its request timeout is the read timeout, not the writers' 1.5 s. Reads go to this
     * manager's own server, and during a failover one waited out the whole client timeout (the server's 1 s did
     * not end it): every such {@code node ls} hung 1.5 s and the new leader showed up that much later.
     */
    static RaftProperties readerProperties(RaftProperties p) {
        RaftProperties r = new RaftProperties(p);
        RaftClientConfigKeys.Rpc.setRequestTimeout(r, ms(READ_TIMEOUT_MS));
        return r;
    }

    /** The node's renewable credential both ways, and {@link ManagerPeerTrust}: managers only. */
    static Parameters tls(IdentityKeyManager keys, X509ExtendedTrustManager trust) {
        Parameters params = new Parameters();
        GrpcTlsConfig tls = new GrpcTlsConfig(keys, trust, true);
        GrpcConfigKeys.TLS.setConf(params, tls);
        GrpcConfigKeys.Server.setTlsConf(params, tls);
        GrpcConfigKeys.Client.setTlsConf(params, tls);
        GrpcConfigKeys.Admin.setTlsConf(params, tls);
        return params;
    }

    /**
     * When the write on this thread started (the blocking client retries on the caller's thread). Set by
     * {@code ReplicatedStore.writer()}, which every write fetches its client from just before it writes.
     */
    static final ThreadLocal<Long> WRITE_STARTED = ThreadLocal.withInitial(System::nanoTime);

    /**
     * Writes retry for a bounded time: long enough to ride out an election (a dead leader is replaced within
     * about electionMax plus a round), short enough that a lost quorum is reported, not hung on. While this
     * manager knows no leader, retries stop once the write is older than electionMax + 0.5 s: each attempt
     * against an unreachable leader waits the request timeout, and 50 of them were a 50 s hang on a cut-off
     * manager.
     */
    /** The least time a write retries for (default settings give exactly this: 2 × 2 s + 1 s). */
    static final long MIN_WRITE_BUDGET_MS = 5000;

    static RetryPolicy writeRetry(RaftSettings s, java.util.function.BooleanSupplier leaderKnown) {
        // At least 5 s, whatever the election timeouts: under load one attempt alone (a first TLS connection) took
        // 1.3 s, and tests' 300 ms elections gave 1.6 s, so a lone manager's first write failed (CI).
        long total = Math.max(s.electionMax().toMillis() * 2 + 1000, MIN_WRITE_BUDGET_MS);
        int tries = (int) Math.max(5, total / 100);
        long totalNanos = TimeUnit.MILLISECONDS.toNanos(total);
        long leaderlessBudget = s.electionMax().toNanos() + TimeUnit.MILLISECONDS.toNanos(500);
        TimeDuration sleep = ms(100);
        return event -> {
            int n = event.getAttemptCount();
            long age = System.nanoTime() - WRITE_STARTED.get();
            // Bounded in time too, not only in attempts (each may wait a request timeout): an agent whose attach
            // had no answer counts on the write being decided within this plus one request (OrphanChecks).
            if (n >= tries || age > totalNanos || (age > leaderlessBudget && !leaderKnown.getAsBoolean())) {
                return RetryPolicy.NO_RETRY_ACTION;
            }
            return () -> sleep;
        };
    }

    static RaftClient client(RaftProperties p, Parameters params, RaftGroup group, RetryPolicy retry) {
        return RaftClient.newBuilder().setProperties(p).setParameters(params).setRaftGroup(group)
                .setClientId(ClientId.randomId()).setRetryPolicy(retry).build();
    }

    static TimeDuration ms(long millis) {
        return TimeDuration.valueOf(millis, TimeUnit.MILLISECONDS);
    }
}
