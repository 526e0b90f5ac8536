package io.jswarm.manager.state;

import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.Snapshot;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's durable state: a {@link CommandLog} replayed into a {@link StateMachine}. Commands are
 * validated against the current state before they are appended (as Ratis' startTransaction does), so the
 * log holds no command that was already known to fail, and the caller gets the reason at once.
 *
 * <p>Threads: writers ({@link #submit}) are serialised by one lock, which is also the order of the log;
 * it is held across the append's fsync, so one write waits for the one before it. Readers never take it:
 * after each apply the writer publishes an immutable {@link StateView} (with its log index), and
 * {@link #view} hands out the latest one without waiting for a write in progress on disk.
 */
public final class ManagerStore implements StateStore {
    private static final Logger LOG = LoggerFactory.getLogger(ManagerStore.class);

    /** Compact after this many commands since the last snapshot; recovery then replays at most this many. */
    public static final int DEFAULT_SNAPSHOT_EVERY = 1000;

    private final CommandLog log;
    /** Touched only under {@link #writer}. */
    private final StateMachine state = new StateMachine();
    private final Object writer = new Object();
    private final int snapshotEvery;
    /** The state after the last applied command; replaced (never changed) by the writer. */
    private volatile StateView published;
    private final java.util.List<java.util.function.Consumer<StateView>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    private ManagerStore(CommandLog log, int snapshotEvery) {
        this.log = log;
        this.snapshotEvery = snapshotEvery;
    }

    /** Recovers the state from {@code log}: the snapshot, then every command after it. */
    public static ManagerStore open(CommandLog log, int snapshotEvery) throws IOException {
        if (snapshotEvery < 1) {
            throw new IllegalArgumentException("snapshotEvery must be >= 1");
        }
        ManagerStore store = new ManagerStore(log, snapshotEvery);
        synchronized (store.writer) {
            log.snapshot().ifPresent(store.state::restore);
            log.replay(store.state::apply);
            store.published = store.state.view();
        }
        LOG.info("manager state recovered lastIndex={}", log.lastIndex());
        return store;
    }

    /** Validates, appends durably, applies, publishes the new view. */
    @Override
    public Outcome submit(Command command) throws IOException {
        synchronized (writer) {
            Optional<String> rejection = state.validate(command);
            if (rejection.isPresent()) {
                return new Outcome.Refused(rejection.get());
            }
            long index = log.append(command);
            Applied applied = state.apply(index, command);
            if (applied instanceof Applied.Refused r) {
                throw new IllegalStateException("validated command rejected on apply: " + r.reason());
            }
            published = state.view();
            for (var l : listeners) {
                l.accept(published);
            }
            if (index % snapshotEvery == 0) {
                log.compact(state.snapshot());
            }
            return new Outcome.Committed(index, applied);
        }
    }

    /**
     * Writes a snapshot of the state now and empties the log, e.g. so that commands it supersedes (a secret
     * written in plaintext by an older version) leave the disk at once instead of at the next compaction.
     */
    @Override
    public void compactNow() throws IOException {
        synchronized (writer) {
            log.compact(state.snapshot());
        }
    }

    /** The state after the last applied command. Lock-free: never waits for a write in progress. */
    @Override
    public StateView view() {
        return published;
    }

    /** One process: what it applied is everything committed. */
    @Override
    public Read read() {
        return new Read(published, false);
    }

    @Override
    public void onApplied(java.util.function.Consumer<StateView> listener) {
        listeners.add(listener);
    }

    /** One manager, always the leader: the first manager node of the state (its only one). */
    @Override
    public ManagerPeers peers() {
        return ManagerPeers.solo(published.nodes().stream()
                .filter(n -> n.getRole() == io.jswarm.proto.state.Role.ROLE_MANAGER)
                .map(n -> n.getNodeId()).findFirst().orElse(""));
    }

    /**
     * The full state including the allocators' positions, as a snapshot file holds it. Waits for a write
     * in progress (it reads the state machine itself); for tests and tools, not for serving requests.
     */
    @Override
    public Snapshot snapshot() {
        synchronized (writer) {
            return state.snapshot();
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (writer) {
            log.close();
        }
    }
}
