package io.jswarm.manager.state;

import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.Snapshot;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * The manager's durable, validated state: commands in, immutable {@link StateView}s out. Two kinds behind
 * this seam: {@link ManagerStore} (one process, a local {@link CommandLog}; tests, tools and the migration of
 * a pre-Ratis data directory) and {@code raft.ReplicatedStore} (Apache Ratis: every manager of the cluster
 * applies the same log to its own {@link StateMachine}). Callers never see which: they submit, read views
 * and hear about applied commands.
 */
public interface StateStore extends AutoCloseable {

    /** The result of {@link #submit}: the command's log index and what it did, or why it was refused (nothing written). */
    sealed interface Outcome {
        /** {@code applied} is never {@link Applied.Refused}. */
        record Committed(long index, Applied applied) implements Outcome {
            public Committed {
                if (applied instanceof Applied.Refused) {
                    throw new IllegalArgumentException("a committed command is not refused");
                }
            }
        }

        record Refused(String reason) implements Outcome {
        }
    }

    /**
     * A view for answering a client: {@code possiblyStale} when this manager could not confirm with a quorum
     * that nothing newer was committed (it is cut off, or the cluster has lost its quorum). The answer is
     * still given, flagged, as Docker's managers answer reads without a leader.
     */
    record Read(StateView view, boolean possiblyStale) {
        public Read {
            java.util.Objects.requireNonNull(view, "view");
        }
    }

    /**
     * The store cannot take writes now: no leader is known (quorum lost, or this manager is cut off). Thrown
     * at once, not after a long retry, so an operator hears it within the election timeout.
     */
    final class NoQuorumException extends IOException {
        public NoQuorumException(String message) {
            super(message);
        }
    }

    /** Validates, commits durably (on a quorum, when replicated), applies; when this returns, {@link #view} holds it. */
    Outcome submit(Command command) throws IOException;

    /** The state after the last command this manager applied. Lock-free: never waits for disk or peers. */
    StateView view();

    /**
     * A linearizable read: the state including every command committed before this call (a replicated store
     * asks the leader for its commit index and waits for the local apply to reach it). Falls back to
     * {@link #view} flagged {@code possiblyStale} when that cannot be confirmed within a short deadline.
     */
    Read read();

    /** The full state including the allocators' positions, as a snapshot holds it (tests and tools). */
    Snapshot snapshot();

    /** Writes a snapshot now so superseded commands leave the disk (e.g. plaintext secrets of an old version). */
    void compactNow() throws IOException;

    /**
     * Called after each applied command with the new view, on the store's apply thread (a replicated store
     * applies commands other managers proposed too); must not block.
     */
    void onApplied(Consumer<StateView> listener);

    /**
     * Who hears, once, that the store broke for good while open (a replicated store's Raft division stopped):
     * nothing in the process repairs that, a restart does. A local store never breaks so.
     */
    default void onBroken(Consumer<String> listener) {
    }

    /** This store's managers (one, for a local store). */
    ManagerPeers peers();

    @Override
    void close() throws IOException;
}
