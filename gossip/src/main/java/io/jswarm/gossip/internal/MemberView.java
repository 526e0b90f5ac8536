package io.jswarm.gossip.internal;

import io.jswarm.gossip.MemberInfo;
import io.jswarm.gossip.MembershipEvent;
import io.jswarm.gossip.MembershipEvent.Cause;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * This node's view of the other members, fed with scalecube's events and turned into jswarm
 * {@link MembershipEvent}s: it keeps per-node ordering (Joined before Updated/Leaving before Removed), labels
 * each removal with its cause, and damps flaps. A flap is the <em>same process</em> (same session) coming
 * back after a removal; it is re-admitted only after it stayed present for {@code holdDown}, so listeners see
 * one Removed and one later Joined instead of an oscillation. A new session (a restart) is admitted at once.
 * Confined to {@code executor}'s single thread.
 */
public final class MemberView {
    /** One tracked member; {@code address} is scalecube's member address, {@code key} its Member object. */
    public record Entry(Object key, String address, MemberInfo info, long session, boolean admitted,
                        boolean leaving) {}

    private record Removal(long session, long atNanos) {}

    private final Duration holdDown;
    private final ScheduledExecutorService executor;
    private final Consumer<MembershipEvent> emit;
    private final LongSupplier nanoTime;
    private final Map<String, Entry> entries = new HashMap<>();
    private final Map<String, Removal> removals = new HashMap<>();
    private final Map<String, ScheduledFuture<?>> pending = new HashMap<>();
    private final Set<String> confirmedDead = new HashSet<>();
    private final Set<String> revoked = new HashSet<>();
    private int flapsDamped;

    public MemberView(Duration holdDown, ScheduledExecutorService executor, Consumer<MembershipEvent> emit,
                      LongSupplier nanoTime) {
        this.holdDown = holdDown;
        this.executor = executor;
        this.emit = emit;
        this.nanoTime = nanoTime;
    }

    /** scalecube ADDED; {@code info} is null when scalecube had no metadata (a member already leaving). */
    public void added(String nodeId, Object key, String address, MemberInfo info, long session) {
        confirmedDead.remove(nodeId);
        revoked.remove(nodeId);
        Entry e = new Entry(key, address, info, session, false, false);
        entries.put(nodeId, e);
        if (info == null) {
            return;
        }
        Removal r = removals.remove(nodeId);
        long elapsed = r == null ? Long.MAX_VALUE : nanoTime.getAsLong() - r.atNanos;
        if (r != null && r.session == session && elapsed < holdDown.toNanos()) {
            flapsDamped++;
            long delay = holdDown.toNanos() - elapsed;
            pending.put(nodeId, executor.schedule(() -> admitIfStill(nodeId, e), delay, TimeUnit.NANOSECONDS));
            return;
        }
        admit(nodeId, e);
    }

    /** scalecube UPDATED: new metadata, or the same identity restarted (new session) before being removed. */
    public void updated(String nodeId, Object key, String address, MemberInfo info, long session) {
        Entry old = entries.get(nodeId);
        if (old == null || old.info == null) {
            added(nodeId, key, address, info, session);
            return;
        }
        Entry e = new Entry(key, address, info, session, old.admitted, old.leaving);
        entries.put(nodeId, e);
        if (old.admitted) {
            emit.accept(new MembershipEvent.Updated(old.info, info));
        } else if (old.session != session) {
            cancelPending(nodeId);
            admit(nodeId, e);
        }
    }

    /** scalecube LEAVING: the fast graceful-leave signal. */
    public void leaving(String nodeId) {
        Entry old = entries.get(nodeId);
        if (old == null || old.leaving) {
            return;
        }
        entries.put(nodeId, new Entry(old.key, old.address, old.info, old.session, old.admitted, true));
        if (old.admitted) {
            emit.accept(new MembershipEvent.Leaving(old.info));
        }
    }

    /** Marks that the fast path confirmed this member dead, so its coming removal carries that cause. */
    public void confirmedDead(String nodeId) {
        confirmedDead.add(nodeId);
    }

    /** Marks that the daemon evicted this member, so its coming removal carries that cause. */
    public void revoked(String nodeId) {
        revoked.add(nodeId);
    }

    /** scalecube REMOVED. */
    public void removed(String nodeId) {
        Entry old = entries.remove(nodeId);
        boolean fast = confirmedDead.remove(nodeId);
        boolean evicted = revoked.remove(nodeId);
        cancelPending(nodeId);
        if (old == null || old.info == null) {
            return;
        }
        removals.put(nodeId, new Removal(old.session, nanoTime.getAsLong()));
        if (old.admitted) {
            Cause cause = evicted ? Cause.REVOKED
                    : old.leaving ? Cause.LEFT : fast ? Cause.CONFIRMED_DEAD : Cause.SUSPICION_TIMEOUT;
            emit.accept(new MembershipEvent.Removed(old.info, cause));
        }
    }

    public Optional<Entry> entry(String nodeId) {
        return Optional.ofNullable(entries.get(nodeId));
    }

    public Optional<Map.Entry<String, Entry>> byAddress(String address) {
        return entries.entrySet().stream().filter(e -> e.getValue().address.equals(address)).findFirst();
    }

    /** The admitted members, by node id. */
    public Map<String, MemberInfo> admitted() {
        Map<String, MemberInfo> m = new HashMap<>();
        entries.forEach((id, e) -> {
            if (e.admitted) {
                m.put(id, e.info);
            }
        });
        return Map.copyOf(m);
    }

    public int flapsDamped() {
        return flapsDamped;
    }

    private void admitIfStill(String nodeId, Entry expected) {
        pending.remove(nodeId);
        Entry now = entries.get(nodeId);
        if (now != null && !now.admitted && now.session == expected.session && now.info != null) {
            admit(nodeId, now);
        }
    }

    private void admit(String nodeId, Entry e) {
        entries.put(nodeId, new Entry(e.key, e.address, e.info, e.session, true, e.leaving));
        emit.accept(new MembershipEvent.Joined(e.info));
        if (e.leaving) {
            emit.accept(new MembershipEvent.Leaving(e.info));
        }
    }

    private void cancelPending(String nodeId) {
        ScheduledFuture<?> f = pending.remove(nodeId);
        if (f != null) {
            f.cancel(false);
        }
    }
}
