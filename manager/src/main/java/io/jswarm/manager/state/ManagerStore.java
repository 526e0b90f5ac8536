package io.jswarm.manager.state;

import io.jswarm.proto.state.Command;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's durable state: a {@link CommandLog} replayed into a {@link StateMachine}. Commands are
 * validated against the current state before they are appended (as Ratis' startTransaction does), so the
 * log holds no command that was already known to fail, and the caller gets the reason at once.
 *
 * <p>Thread-safe: one lock orders submissions, which is also the order of the log.
 */
public final class ManagerStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ManagerStore.class);

    /** Compact after this many commands since the last snapshot; recovery then replays at most this many. */
    public static final int DEFAULT_SNAPSHOT_EVERY = 1000;

    private final CommandLog log;
    private final StateMachine state = new StateMachine();
    private final int snapshotEvery;

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
        log.snapshot().ifPresent(store.state::restore);
        log.replay(store.state::apply);
        LOG.info("manager state recovered lastIndex={}", log.lastIndex());
        return store;
    }

    /** The result of {@link #submit}: the command's log index, or why it was refused (nothing written). */
    public sealed interface Outcome {
        record Committed(long index) implements Outcome {
        }

        record Refused(String reason) implements Outcome {
        }
    }

    /** Validates, appends durably, applies. */
    public synchronized Outcome submit(Command command) throws IOException {
        Optional<String> rejection = state.validate(command);
        if (rejection.isPresent()) {
            return new Outcome.Refused(rejection.get());
        }
        long index = log.append(command);
        state.apply(index, command).ifPresent(reason -> {
            throw new IllegalStateException("validated command rejected on apply: " + reason);
        });
        if (index % snapshotEvery == 0) {
            log.compact(state.snapshot());
        }
        return new Outcome.Committed(index);
    }

    /** Runs {@code query} against the state under the store's lock (the state is not thread-safe). */
    public synchronized <T> T read(Function<StateMachine, T> query) {
        return query.apply(state);
    }

    @Override
    public void close() throws IOException {
        log.close();
    }
}
