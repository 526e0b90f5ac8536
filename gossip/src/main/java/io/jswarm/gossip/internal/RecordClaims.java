package io.jswarm.gossip.internal;

import io.scalecube.cluster.membership.MemberStatus;
import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Which SWIM membership records from the wire this node lets scalecube merge, given who sent them (the
 * verified certificate's node id of the connection). A member speaks only for itself:
 * <ul>
 *   <li><b>No one's word kills.</b> A DEAD, SUSPECT or LEAVING record about member X from anyone but X is
 *       dropped; it may only start this node's own check of X ({@link Hint#CHECK}). X is removed only by this
 *       node's own probes (scalecube's pings and indirect pings, then its suspicion timeout) or by the
 *       {@link DeathConfirmer}'s refused connects. (scalecube 2.7.7 never sends DEAD; SUSPECT and LEAVING are
 *       its relays, which is why a relay is worth a check.)</li>
 *   <li><b>Only X raises X's incarnation.</b> X's own ALIVE/LEAVING record (sent by X, naming an address on the
 *       connection's source IP) sets the bound; a third party may relay X's record up to that bound, never
 *       above it ({@link Hint#ASK}: ask X itself). The first word about a member never heard from is taken
 *       (that is how a joiner is introduced), capped at {@link #MAX_RELAYED_INCARNATION}; its metadata must
 *       still come from X itself ({@code ClaimGuard}), so a made-up member is never admitted.</li>
 *   <li><b>Records about this node</b> are what it refutes (scalecube answers one that overrides its own
 *       record with a higher incarnation), so they are taken from anyone, but a sender may make it refute at
 *       most once per {@code refuteInterval}, and never past {@link #MAX_RELAYED_INCARNATION}: a forged record
 *       can neither make it refute forever nor overflow its incarnation.</li>
 * </ul>
 * Confined to the gossip transport's event-loop thread. State is bounded (a few thousand ids).
 */
public final class RecordClaims {
    /** Far above any honest incarnation (one per refutation or metadata change), far below overflow. */
    public static final int MAX_RELAYED_INCARNATION = 1 << 30;
    private static final int MAX_TRACKED = 4096;

    /**
     * Why a claim was dropped; the tag of {@code jswarm.gossip.claims.dropped}. {@code relay}: honest scalecube
     * 2.7.7 members send such claims too (they relay what they heard), so they are no sign of an attack; the
     * others are never sent by an honest member.
     */
    public enum Forgery {
        DEAD("dead", false), SUSPECT("suspect", true), LEAVING("leaving", true), AHEAD("ahead", true),
        INCARNATION("incarnation", false), SELF_STATUS("self_status", false), ADDRESS("address", false),
        IDENTITY("identity", false), DEST_GONE("dest_gone", false), REFUTE_RATE("refute_rate", true);

        public final String tag;
        public final boolean relay;

        Forgery(String tag, boolean relay) {
            this.tag = tag;
            this.relay = relay;
        }
    }

    /** What a dropped claim may still make this node do on its own. */
    public enum Hint { NONE, CHECK, ASK }

    public sealed interface Verdict permits Admit, Drop {}

    public record Admit() implements Verdict {}

    public record Drop(Forgery forgery, Hint hint) implements Verdict {
        public Drop {
            Objects.requireNonNull(forgery, "forgery");
            Objects.requireNonNull(hint, "hint");
        }
    }

    private static final Admit ADMIT = new Admit();

    private final String self;
    private final long refuteIntervalNanos;
    private final LongSupplier nanos;
    /** Per member: the incarnation it last claimed itself. Keyed by verified senders only, so a forger adds one. */
    private final Map<String, Integer> ownWords = bounded(MAX_TRACKED * 16);
    /** The first word about members not heard from yet; anyone can add here, so it evicts (never own words). */
    private final Map<String, Integer> firstWords = bounded(MAX_TRACKED);
    /** Per verified sender: when it last made this node refute. */
    private final Map<String, Long> refutes = bounded(MAX_TRACKED * 16);
    private int highestSelf = -1;

    public RecordClaims(String selfId, Duration refuteInterval, LongSupplier nanos) {
        this.self = Objects.requireNonNull(selfId, "selfId");
        this.refuteIntervalNanos = refuteInterval.toNanos();
        this.nanos = Objects.requireNonNull(nanos, "nanos");
    }

    /**
     * @param peer          the sender's verified node id
     * @param peerIp        the connection's remote address
     * @param subject       the member the record is about
     * @param subjectIp     the address the record names for it
     */
    public Verdict judge(String peer, InetAddress peerIp, String subject, InetAddress subjectIp, MemberStatus status,
                         int incarnation) {
        if (subject.equals(self)) {
            return aboutSelf(peer, status, incarnation);
        }
        if (subject.equals(peer)) {
            return ownWord(peerIp, subject, subjectIp, status, incarnation);
        }
        return switch (status) {
            case DEAD -> new Drop(Forgery.DEAD, Hint.CHECK);
            case SUSPECT -> new Drop(Forgery.SUSPECT, Hint.CHECK);
            case LEAVING -> new Drop(Forgery.LEAVING, Hint.CHECK);
            case ALIVE -> relayedAlive(subject, incarnation);
        };
    }

    private Verdict aboutSelf(String peer, MemberStatus status, int incarnation) {
        if (incarnation > MAX_RELAYED_INCARNATION) {
            return new Drop(Forgery.INCARNATION, Hint.NONE);
        }
        boolean mayRefute = incarnation > highestSelf || incarnation == highestSelf && status != MemberStatus.ALIVE;
        if (!mayRefute) {
            return ADMIT; // at most what we already said: scalecube ignores it
        }
        long now = nanos.getAsLong();
        Long last = refutes.get(peer);
        if (last != null && now - last < refuteIntervalNanos) {
            return new Drop(Forgery.REFUTE_RATE, Hint.NONE); // an honest sender repeats it in its next sync
        }
        refutes.put(peer, now);
        highestSelf = Math.max(highestSelf, incarnation);
        return ADMIT;
    }

    private Verdict ownWord(InetAddress peerIp, String subject, InetAddress subjectIp, MemberStatus status,
                            int incarnation) {
        if (status == MemberStatus.DEAD || status == MemberStatus.SUSPECT) {
            return new Drop(Forgery.SELF_STATUS, Hint.NONE);
        }
        if (peerIp == null || !peerIp.equals(subjectIp)) {
            return new Drop(Forgery.ADDRESS, Hint.NONE); // every member dials from, and listens on, its address
        }
        ownWords.put(subject, incarnation); // its own word, also a restart's lower incarnation
        firstWords.remove(subject);
        return ADMIT;
    }

    private Verdict relayedAlive(String subject, int incarnation) {
        Integer bound = ownWords.get(subject);
        if (bound == null) {
            bound = firstWords.get(subject);
        }
        if (bound == null) {
            if (incarnation > MAX_RELAYED_INCARNATION) {
                return new Drop(Forgery.INCARNATION, Hint.NONE);
            }
            firstWords.put(subject, incarnation);
            return ADMIT;
        }
        if (incarnation > MAX_RELAYED_INCARNATION) {
            return new Drop(Forgery.INCARNATION, Hint.NONE);
        }
        return incarnation <= bound ? ADMIT : new Drop(Forgery.AHEAD, Hint.ASK);
    }

    private static <V> Map<String, V> bounded(int capacity) {
        return new LinkedHashMap<>(64, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > capacity;
            }
        };
    }
}
