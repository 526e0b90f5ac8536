package io.jswarm.manager.state;

import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.Snapshot;
import java.io.IOException;
import java.util.Optional;

/**
 * An ordered, durable sequence of commands with 1-based indexes, plus the latest snapshot. Today
 * {@link LocalCommandLog} (one manager, files); with multi-manager HA a Ratis-backed log takes its place
 * behind this interface, and {@link StateMachine} does not change.
 */
public interface CommandLog extends AutoCloseable {

    /** Appends {@code command}; when this returns, the command survives a crash. Returns its index. */
    long append(Command command) throws IOException;

    /** The snapshot the log starts from, if any. */
    Optional<Snapshot> snapshot() throws IOException;

    /** Feeds every command after the snapshot to {@code consumer}, in order. */
    void replay(Entry consumer) throws IOException;

    /** Stores {@code snapshot} and drops the commands it covers. */
    void compact(Snapshot snapshot) throws IOException;

    long lastIndex();

    @Override
    void close() throws IOException;

    @FunctionalInterface
    interface Entry {
        void accept(long index, Command command);
    }
}
