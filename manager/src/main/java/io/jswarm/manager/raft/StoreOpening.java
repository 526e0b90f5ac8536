package io.jswarm.manager.raft;

import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.manager.state.LocalCommandLog;
import io.jswarm.manager.state.ManagerStore;
import io.jswarm.manager.state.StateStore.Outcome;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.RestoreState;
import io.jswarm.proto.state.Snapshot;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a {@link ReplicatedStore} is opened ({@link ReplicatedStore#open}): the Ratis server is built and started,
 * the recovered log replayed, a lone manager's leader awaited, and a one-manager log beside the Ratis directory
 * migrated onto the replicated log. It owns nothing after {@link #open} returns: the store it made owns the server.
 *
 * <p>Threads: only the caller of {@link ReplicatedStore#open} (the daemon's start of the manager role), once per
 * store; it is reached through {@code ReplicatedStore}, whose class initialisation (the Ratis log level) has run
 * by then.
 */
final class StoreOpening {
    /** ReplicatedStore's: these lines were ReplicatedStore's before this class was split out, and operators grep them. */
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatedStore.class);

    private StoreOpening() {
    }

    /** {@link ReplicatedStore#open}, which documents it. */
    static ReplicatedStore open(Path raftDir, String clusterId, String selfId, RaftSettings settings,
                                IdentityKeyManager keys, java.time.InstantSource clock,
                                Predicate<String> revoked) throws IOException {
        Path storage = raftDir.resolve("ratis");
        boolean fresh = !Files.isDirectory(storage) || isEmpty(storage);
        InetSocketAddress listen = RaftRuntime.bindable(settings.listen(), raftDir.resolve("chosen-port"));
        String advertise = settings.advertise().endsWith(":0")
                ? settings.advertise().substring(0, settings.advertise().length() - 1) + listen.getPort()
                : settings.advertise();
        // The self-chosen port (tests) is kept beside the log: the configuration in the log names it.
        RaftSettings s = new RaftSettings(listen, advertise, settings.joinPeers(), settings.electionMin(), settings.electionMax());
        Files.createDirectories(storage, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        RaftGroupId gid = RaftRuntime.groupId(clusterId);
        // A manager that came in by a join (join peers saved) and may not be a voter yet — fresh, or killed after
        // Ratis formatted its directory but before the leader added it — starts without a group of its own: a
        // group {self} would let it elect itself over an empty state. A log that holds a configuration wins.
        boolean joining = !s.joinPeers().isEmpty();
        // A joiner starts with an empty group: it waits for the leader instead of running elections it cannot win.
        // The leader's ADD (ReplicatedStore.peers().add) brings it the configuration and the log; until its state
        // holds the cluster, its trust manager knows the voters of the join response as managers.
        List<RaftSettings.Peer> initial = joining ? List.of() : List.of(new RaftSettings.Peer(selfId, advertise));
        java.util.Set<String> bootstrapManagers = joining
                ? s.joinPeers().stream().map(RaftSettings.Peer::nodeId).collect(java.util.stream.Collectors.toUnmodifiableSet())
                : java.util.Set.of();
        RaftProperties props = RaftRuntime.properties(storage, listen, s);
        RaftStateMachine machine = new RaftStateMachine();
        ReplicatedStore[] holder = new ReplicatedStore[1];
        Predicate<String> isManager = id -> holder[0] != null && (holder[0].knowsManager(id)
                || (bootstrapManagers.contains(id) && holder[0].view().cluster().isEmpty()));
        Parameters params = RaftRuntime.tls(keys, new ManagerPeerTrust(keys.identity(), clock, revoked, isManager));
        RaftServer server = RaftServer.newBuilder().setServerId(RaftPeerId.valueOf(selfId))
                .setGroup(RaftRuntime.group(gid, initial)).setStateMachine(machine).setProperties(props)
                .setParameters(params)
                .setOption(fresh ? RaftStorage.StartupOption.FORMAT : RaftStorage.StartupOption.RECOVER)
                .build();
        ReplicatedStore store = new ReplicatedStore(gid, RaftPeerId.valueOf(selfId), s, machine, server, props, params, joining, storage);
        holder[0] = store;
        try {
            server.start();
            // Still joining unless the configuration it recovered names it a voter.
            store.joining(joining && store.division().getRaftConf().getCurrentPeers().stream()
                    .noneMatch(p -> p.getId().toString().equals(selfId)));
            awaitReplay(store, machine);
            if (!store.joining() && store.division().getRaftConf().getCurrentPeers().size() == 1) {
                // A lone manager elects itself within an election timeout: be ready for writes when open returns.
                store.awaitLeader(System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
            }
            ReplicatedStore.ownerOnly(storage);
            if (!store.joining()) {
                migrate(store, raftDir);
            }
            store.startWatches();
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        LOG.info("replicated store open node={} raft={} fresh={} joining={} appliedIndex={}", selfId, advertise, fresh,
                store.joining(), store.view().index());
        return store;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /** A restarted manager applies what it had committed before it answers anything (Ratis replays in the background). */
    private static void awaitReplay(ReplicatedStore store, RaftStateMachine machine) throws IOException {
        long committed = store.division().getRaftLog().getLastCommittedIndex();
        try {
            if (committed > 0 && !machine.awaitApplied(committed, System.nanoTime() + TimeUnit.SECONDS.toNanos(60))) {
                throw new IOException("the manager state was not replayed within 60 s (committed index " + committed + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while replaying the manager state", e);
        }
    }

    /**
     * A one-manager log in {@code raftDir} (an older version's, or what bootstrap just wrote) becomes this log's
     * first entry, then is deleted. Idempotent: a crash before the delete finds the state already restored.
     */
    private static void migrate(ReplicatedStore store, Path raftDir) throws IOException {
        if (!LocalCommandLog.existsIn(raftDir)) {
            return;
        }
        if (store.view().cluster().isEmpty()) {
            Snapshot snap;
            try (ManagerStore old = ManagerStore.open(LocalCommandLog.open(raftDir), ManagerStore.DEFAULT_SNAPSHOT_EVERY)) {
                snap = old.snapshot();
            }
            store.awaitLeader(System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
            Outcome o = store.submit(Command.newBuilder().setRestoreState(RestoreState.newBuilder().setSnapshot(snap)
                    .setReason("one-manager log migrated")).build());
            if (o instanceof Outcome.Refused r) {
                throw new IOException("cannot move the manager state onto the replicated log: " + r.reason());
            }
            LOG.info("one-manager log moved onto the replicated log entries={}", snap.getLastAppliedIndex());
        }
        LocalCommandLog.deleteIn(raftDir);
    }
}
