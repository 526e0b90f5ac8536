package io.jswarm.vxlan.kernel;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link Kernel} reports about its work, for metrics: operations by kind and failures by kind and
 * errno. Kinds are the {@link KernelChange} record names ({@code SetNeighbor}, {@code AddLink}, ...) for
 * changes, {@code dump.links}/{@code dump.neighbors}/... for dumps (XFRM: {@code dump.xfrm_states},
 * {@code dump.xfrm_policies}), {@code watch.xfrm}, {@code announce} and {@code namespace.create}
 * /{@code namespace.delete}. Called on the caller's thread after the kernel answered; implementations must be
 * quick and thread-safe and must not throw (a counter increment).
 */
public interface KernelListener {
    /** Reports nothing. */
    KernelListener NONE = new KernelListener() {
        @Override
        public void operations(String kind, int count) {
        }

        @Override
        public void failure(String kind, String errnoName) {
        }
    };

    /** {@code count} operations of {@code kind} were attempted (successful or not). */
    void operations(String kind, int count);

    /** One operation of {@code kind} failed with {@code errnoName} ({@code "EEXIST"}, ...; {@code "EIO"} if unknown). */
    void failure(String kind, String errnoName);

    /** The kind of a change: its record's simple name. */
    static String kind(KernelChange change) {
        return change.getClass().getSimpleName();
    }

    /**
     * Reports one {@link Kernel#apply} batch: the attempts per kind, then each failure that {@code error}
     * (null: none) lists. A failure the batch cannot be matched to (a socket error) counts once as {@code apply}.
     */
    static void reportBatch(KernelListener listener, List<? extends KernelChange> batch, Throwable error) {
        Map<String, Integer> attempts = new HashMap<>();
        for (KernelChange c : batch) {
            attempts.merge(kind(c), 1, Integer::sum);
        }
        attempts.forEach(listener::operations);
        if (error instanceof KernelException ke) {
            for (KernelException f : ke.failures()) {
                listener.failure(f.change() != null ? kind(f.change()) : "apply", f.errnoName());
            }
        } else if (error != null) {
            listener.failure("apply", "EIO");
        }
    }
}
