package io.jswarm.gossip.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Whom to reach out to so that a partition ends as soon as the network does. When SWIM removes a member it
 * cannot reach, scalecube forgets its address and syncs only with the seeds and its current members, once per
 * {@code syncInterval}: after a heal both sides find each other only by chance, seconds later (measured: 7.7 s
 * after a 20 s cut). This remembers the gossip address of every member removed on suspicion for {@code window}
 * and names it, each round, as a target of a rejoin exchange, until the member is admitted again or leaves.
 * While this node has no member at all (it was the one cut off, or it starts alone), the seeds are targets
 * too. Members removed for other reasons are not sought: one that left or was evicted must not come back, and
 * a confirmed-dead process comes back as a new process that finds the seeds by itself.
 * <p>A member under suspicion is sought too, for a bounded time (about its suspicion timeout): a cut shorter
 * than that must end without a removal, and the exchange is what carries the suspicion to it so it can
 * refute it (it only does when it sees a SUSPECT record about itself). It stops being sought as soon as a round
 * reached it over an established connection ({@link #reached}): a falsely suspected, merely slow member costs
 * a reconnect and a round or two, not a stream of full-table exchanges.
 * Confined to the membership thread; the clock is injected.
 */
public final class Rejoiner {
    /**
     * Sought until {@code untilNanos} unless {@code reached}; {@code incarnation} is the suspected one, -1 once
     * removed. A reached suspect stays recorded (not sought) so that the same suspicion does not start again.
     */
    private record Lost(String address, long untilNanos, int incarnation, boolean reached) {}

    private final Duration window;
    private final LongSupplier nanoTime;
    private final Map<String, Lost> lost = new LinkedHashMap<>();

    public Rejoiner(Duration window, LongSupplier nanoTime) {
        this.window = Objects.requireNonNull(window, "window");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /** SWIM removed {@code nodeId} (at gossip address {@code address}) because it stopped answering. */
    public void lost(String nodeId, String address) {
        if (!window.isZero()) {
            lost.put(nodeId, new Lost(Objects.requireNonNull(address, "address"), nanoTime.getAsLong()
                    + window.toNanos(), -1, false));
        }
    }

    /**
     * {@code nodeId} (at {@code address}) is suspected at {@code incarnation}: seek it for {@code bound}.
     * Returns true only for a new suspicion (a higher incarnation than any seen), so the caller acts once per
     * episode however often the SUSPECT record is gossiped; a member already removed is not touched.
     */
    public boolean suspected(String nodeId, int incarnation, String address, Duration bound) {
        Lost was = lost.get(nodeId);
        if (window.isZero() || was != null && (was.incarnation < 0 || was.incarnation >= incarnation)) {
            return false;
        }
        lost.put(nodeId, new Lost(Objects.requireNonNull(address, "address"), nanoTime.getAsLong() + bound.toNanos(),
                incarnation, false));
        return true;
    }

    /**
     * A round got through to {@code address} over an established connection: a suspect there has been handed
     * its SUSPECT record and can refute it, so it is no longer sought. A removed member is sought until it is
     * admitted again ({@link #settled}): being reachable is not being a member.
     */
    public void reached(String address) {
        lost.replaceAll((id, l) -> l.incarnation >= 0 && l.address.equals(address)
                ? new Lost(l.address, l.untilNanos, l.incarnation, true) : l);
    }

    /** {@code nodeId} is a member again, or gone for good (left, evicted, dead): stop seeking it. */
    public void settled(String nodeId) {
        lost.remove(nodeId);
    }

    /**
     * This round's targets, each address once: every member lost within the window (older ones are forgotten
     * here), then, if {@code alone}, the seeds other than {@code self}.
     */
    public List<String> targets(boolean alone, List<String> seeds, String self) {
        long now = nanoTime.getAsLong();
        lost.values().removeIf(l -> now - l.untilNanos > 0);
        Set<String> out = new LinkedHashSet<>();
        lost.values().stream().filter(l -> !l.reached).forEach(l -> out.add(l.address));
        if (alone && !window.isZero()) {
            seeds.stream().filter(s -> !s.equals(self)).forEach(out::add);
        }
        return new ArrayList<>(out);
    }

    /** Members currently sought, for tests and logs. */
    public Set<String> sought() {
        Set<String> ids = new LinkedHashSet<>();
        lost.forEach((id, l) -> {
            if (!l.reached) {
                ids.add(id);
            }
        });
        return Set.copyOf(ids);
    }
}
