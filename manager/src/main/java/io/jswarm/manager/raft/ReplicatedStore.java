package io.jswarm.manager.raft;

import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.manager.state.Applied;
import io.jswarm.manager.state.ManagerPeers;
import io.jswarm.manager.state.StateStore;
import io.jswarm.manager.state.StateView;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.RestoreState;
import io.jswarm.proto.state.Role;
import io.jswarm.proto.state.Snapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager state replicated over Apache Ratis: every manager runs one Raft server whose state machine is
 * jswarm's deterministic {@code StateMachine} ({@link RaftStateMachine}); a lone manager is a group of one.
 * Writes from any manager go through a Ratis client to the leader (committed on a majority, applied everywhere,
 * refused by the apply as by every replica alike); {@link #submit} returns once this manager applied the command too.
 *
 * <p>Directory ({@code raftDir}): {@code ratis/} (Ratis' log, metadata and snapshots). A pre-Ratis one-manager
 * log in {@code raftDir} itself ({@code commands.log}, {@code snapshot.pb}) — and what {@code ManagerNode.bootstrap}
 * writes for a new cluster — becomes the new log's first entry ({@link RestoreState}) and is deleted once that
 * entry is committed, so a crash in between migrates again at the next start, never half ({@link StoreOpening}
 * builds, starts and migrates; {@link RaftClients} holds the Ratis clients).
 *
 * <p>Threads: Ratis' own (RPC, log worker, state machine updater: the only writer of the state); callers of
 * {@link #submit} block on Ratis' client and then on the local apply, never holding a lock of ours.
 */
public final class ReplicatedStore implements StateStore {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatedStore.class);
    /** Docker's text, so operators recognise it. */
    public static final String NO_LEADER = "The swarm does not have a leader. It's possible that too few managers are "
            + "online. Make sure more than half of the managers are online.";
    private static final long APPLY_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** How often a wait for the local apply looks whether the division still runs. */
    private static final long APPLY_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    static {
        // Ratis logs every election round and vote at INFO: in a daemon's log that drowns jswarm's own lines.
        // Before any Ratis class makes its logger; an operator's own setting wins.
        if (System.getProperty("org.slf4j.simpleLogger.log.org.apache.ratis") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.org.apache.ratis", "warn");
        }
    }

    private final RaftGroupId groupId;
    private final RaftPeerId self;
    private final RaftSettings settings;
    private final RaftStateMachine machine;
    private final RaftServer server;
    /** Set once at open ({@link StoreOpening}), after the server started: whether this manager still has to add itself. */
    private volatile boolean joining;
    private final RaftPeers peers;
    private final Path storage;
    /** When this manager first saw no leader (0: it knows one); the first write without a leader waits an election. */
    private volatile long leaderlessSinceNanos;
    private final RaftClients clients;
    private final LagNudge nudge = new LagNudge(() -> division().getInfo(), this::asyncWriter);
    private final DivisionWatch watch = new DivisionWatch(() -> division().getInfo().getLifeCycleState(),
            this::stillAVoter);

    /** Starts nothing: {@link StoreOpening} starts the server, then {@link #startWatches}. */
    ReplicatedStore(RaftGroupId groupId, RaftPeerId self, RaftSettings settings, RaftStateMachine machine,
                    RaftServer server, RaftProperties properties, Parameters parameters, boolean joining,
                    Path storage) {
        this.storage = storage;
        this.groupId = groupId;
        this.self = self;
        this.settings = settings;
        this.machine = machine;
        this.server = server;
        this.joining = joining;
        this.peers = new RaftPeers(this);
        this.clients = new RaftClients(groupId, settings, properties, parameters, () -> division().getRaftConf(),
                peers::hasQuorum);
    }

    /**
     * Opens and starts this manager's replica in {@code raftDir} (a store is useless without its server).
     * Fresh directory + {@code settings.joinPeers()}: a joining manager (it adds itself through {@link #peers}).
     * Fresh directory + a one-manager log beside it: that log's state becomes the first entry. Else recovered.
     *
     * @param clock   the time peer certificates are checked at
     * @param revoked removed node ids: their certificates get no Raft connection
     */
    public static ReplicatedStore open(Path raftDir, String clusterId, String selfId, RaftSettings settings,
                                       IdentityKeyManager keys, java.time.InstantSource clock,
                                       Predicate<String> revoked) throws IOException {
        return StoreOpening.open(raftDir, clusterId, selfId, settings, keys, clock, revoked);
    }

    /**
     * Ratis creates its files with the process umask (the launcher sets 077); this pass makes what exists
     * owner-only regardless, at open and close, so the store at rest is never readable by others.
     */
    static void ownerOnly(Path storage) {
        try (var all = Files.walk(storage)) {
            for (Path p : all.toList()) {
                Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "rwx------" : "rw-------"));
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.warn("cannot make the Raft storage owner-only error={}", e.toString());
        }
    }

    /** Waits for a leader to be known (a lone manager elects itself within an election timeout). */
    void awaitLeader(long deadlineNanos) throws IOException {
        while (peers.leaderId().isEmpty()) {
            if (System.nanoTime() > deadlineNanos) {
                throw new NoQuorumException(NO_LEADER);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    /** True when this store was opened to join an existing cluster (it still has to add itself). */
    public boolean joining() {
        return joining;
    }

    /** Whether this manager still has to add itself, once its server started and read its configuration (open). */
    void joining(boolean stillJoining) {
        joining = stillJoining;
    }

    /** The lag nudge and the division watch start: the last step of a successful open. */
    void startWatches() {
        nudge.start();
        watch.start();
    }

    /** This manager's advertised Raft address (the chosen port when the settings said 0). */
    public String raftAddr() {
        return settings.advertise();
    }

    /** Once, if this manager's Raft division stops while the store is open ({@link DivisionWatch}). */
    @Override
    public void onBroken(Consumer<String> listener) {
        watch.onDead(listener);
    }

    /** The watch's look, now (tests). */
    void checkDivisionNow() {
        watch.check();
    }

    /** A stopped division is reported after {@code checks} looks, not 30 (tests). */
    void divisionWatchSightings(int checks) {
        watch.sightings(checks);
    }

    RaftServer.Division division() {
        try {
            return server.getDivision(groupId);
        } catch (IOException e) {
            throw new IllegalStateException("the Raft group is not on this server", e);
        }
    }

    RaftPeerId self() {
        return self;
    }

    RaftSettings settings() {
        return settings;
    }

    /** Managers of the state, plus the voting peers of the configuration (a joining manager's state is empty). */
    /** Both the division's last configuration and the state name this manager a manager (a demote ends either). */
    private boolean stillAVoter() {
        return managerInState(self.toString()) && inConfiguration(self.toString());
    }

    boolean knowsManager(String nodeId) {
        return managerInState(nodeId) || inConfiguration(nodeId);
    }

    private boolean managerInState(String nodeId) {
        return view().node(nodeId).map(n -> n.getRole() == Role.ROLE_MANAGER).orElse(false);
    }

    /** Whether the division's (last) configuration names {@code nodeId}; false without a division. */
    private boolean inConfiguration(String nodeId) {
        try {
            return division().getRaftConf().getAllPeers().stream().anyMatch(p -> p.getId().toString().equals(nodeId));
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /**
     * The writing client ({@link RaftClients}: rebuilt when the configuration changed), for one blocking write made
     * at once on this thread: it starts that write's clock for the retry policy ({@code RaftRuntime.writeRetry}),
     * so every write (submit, configuration change, snapshot) is bounded from its own start, not an earlier one's.
     */
    RaftClient writer() {
        RaftRuntime.WRITE_STARTED.set(System.nanoTime());
        return clients.writer();
    }

    /** The writing client for an asynchronous send (the lag nudge): no blocking write, no clock to start. */
    private RaftClient asyncWriter() {
        return clients.writer();
    }

    /**
     * No leader known: the first write to notice waits up to one election (electionMax + 0.5 s: a leader that
     * just died is being replaced), every later one fails at once until a leader is back. So a lost quorum
     * answers within ~2.5 s once and at once after that, never a long hang.
     */
    private void requireLeader() throws IOException {
        if (peers.hasQuorum()) {
            leaderlessSinceNanos = 0;
            return;
        }
        long now = System.nanoTime();
        long since = leaderlessSinceNanos;
        if (since == 0) {
            leaderlessSinceNanos = now;
            since = now;
        }
        awaitLeader(since + settings.electionMax().toNanos() + TimeUnit.MILLISECONDS.toNanos(500));
        leaderlessSinceNanos = 0;
    }

    @Override
    public Outcome submit(Command command) throws IOException {
        requireLeader();
        if (peers.isLeader()) {
            // The leader's state holds everything committed: what it refuses never reaches the log. (A follower's
            // may lag; its commands go to the leader, whose apply decides.)
            Optional<String> refused = machine.validate(command);
            if (refused.isPresent()) {
                return new Outcome.Refused(refused.get());
            }
        }
        RaftClientReply reply;
        try {
            reply = writer().io().send(Message.valueOf(ByteString.copyFrom(command.toByteArray())));
        } catch (IOException e) {
            if (!peers.hasQuorum()) {
                // This manager has waited an election already: the next writes fail at once until a leader is back.
                leaderlessSinceNanos = System.nanoTime() - settings.electionMax().toNanos() - TimeUnit.SECONDS.toNanos(1);
                throw new NoQuorumException(NO_LEADER);
            }
            throw new IOException("the replicated log did not take the change (" + e.getClass().getSimpleName() + ")", e);
        }
        if (!reply.isSuccess()) {
            throw peers.hasQuorum() ? new IOException("the replicated log did not take the change: " + reply.getException())
                    : new NoQuorumException(NO_LEADER);
        }
        String content = reply.getMessage().getContent().toStringUtf8();
        if (content.startsWith("R")) {
            return new Outcome.Refused(content.substring(1));
        }
        long index = Long.parseLong(content.substring(1));
        Optional<Applied> applied = awaitOutcome(index);
        if (applied.isEmpty()) {
            throw new IOException("committed at index " + index + " but not applied on this manager within 10 s");
        }
        return applied.get() instanceof Applied.Refused r ? new Outcome.Refused(r.reason())
                : new Outcome.Committed(index, applied.get());
    }

    @Override
    public StateView view() {
        return machine.view();
    }

    /**
     * The local apply's outcome of {@code index}, waited for up to 10 s; empty at that deadline. A division that
     * stopped meanwhile never applies it: Ratis closes a demoted manager's at once, and waiting the whole 10 s
     * held a demoted node's attach that long (HaClusterE2ETest). That fails at once, as of unknown outcome
     * (UNAVAILABLE to the caller, whose orphan checks look again): the change is committed, but its outcome
     * is not known here.
     */
    private Optional<Applied> awaitOutcome(long index) throws IOException {
        long deadline = System.nanoTime() + APPLY_WAIT_NANOS;
        try {
            while (!machine.awaitApplied(index, Math.min(deadline, System.nanoTime() + APPLY_SLICE_NANOS))) {
                if (System.nanoTime() >= deadline) {
                    return Optional.empty();
                }
                if (!division().getInfo().isAlive()) {
                    throw new NoQuorumException("committed at index " + index + ", but this manager's replicated log "
                            + "stopped before applying it (demoted?): the change may have been made");
                }
            }
            return machine.outcome(index, deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for the local apply of index " + index, e);
        } catch (IllegalStateException e) {
            throw new NoQuorumException("committed at index " + index + ", but this manager has left the replicated "
                    + "log: the change may have been made");
        }
    }

    /**
     * Linearizable through Ratis' ReadIndex on this manager; flagged stale without a leader, when the leader has been
     * silent for an election timeout, or past the 1 s read timeout.
     */
    @Override
    public Read read() {
        try {
            if (!peers.hasQuorum() || leaderSilent(division().getInfo().getRoleInfoProto(), settings.electionMin().toMillis())) {
                return new Read(view(), true);
            }
            // The blocking API, not the async one: one failed ordered async call closes that client's sliding
            // window for good, and every later read failed at once (a healed minority manager stayed "stale").
            // Bounded by the reader's request timeout and the server's read timeout (1 s), no retry.
            RaftClientReply r = clients.reader().io().sendReadOnly(Message.EMPTY, self);
            return new Read(view(), !r.isSuccess());
        } catch (IOException | RuntimeException e) {
            LOG.debug("linearizable read failed; answering from the local state error={}", e.toString());
            return new Read(view(), true);
        }
    }

    /**
     * A follower that heard nothing from its leader for {@code electionMinMs} (heartbeats come every half of it)
     * still names that leader until its own election timeout; a ReadIndex sent to it then hung the reader's 1.5 s
     * request timeout. During a leader's failover every {@code node ls} hung so, and the new leader showed up to
     * 1.5 s after it was elected ({@code e2e/bench ha}'s elections). Such a read is answered at once, as possibly
     * stale.
     */
    static boolean leaderSilent(org.apache.ratis.proto.RaftProtos.RoleInfoProto role, long electionMinMs) {
        return role.hasFollowerInfo() && role.getFollowerInfo().hasLeaderInfo()
                && role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs() >= electionMinMs;
    }

    @Override
    public Snapshot snapshot() {
        return machine.snapshot();
    }

    /** A snapshot through Ratis (which then purges the log behind it): superseded entries leave the disk. */
    @Override
    public void compactNow() throws IOException {
        RaftClientReply r = writer().getSnapshotManagementApi(self).create(true, 10_000);
        if (!r.isSuccess()) {
            throw new IOException("snapshot failed: " + r.getException());
        }
    }

    /** How a follower judges the managers other than the leader and itself (the daemon's gossip view). */
    public void reachability(Predicate<String> alive) {
        peers.reachability(alive);
    }

    @Override
    public void onApplied(Consumer<StateView> listener) {
        machine.onApplied(listener);
    }

    @Override
    public ManagerPeers peers() {
        return peers;
    }

    @Override
    public void close() throws IOException {
        watch.close(); // before the server: its own close is no death
        nudge.close();
        clients.close();
        server.close();
        ownerOnly(storage);
    }
}
