package io.jswarm.gossip;

import java.util.Objects;

/**
 * A change of the membership as this node sees it. Per node id, events arrive in a valid order:
 * {@code Joined} first, then any {@code Updated}/{@code Leaving}, then {@code Removed}; after that a
 * {@code Joined} again if the node comes back (same identity, new process).
 */
public sealed interface MembershipEvent {
    MemberInfo member();

    /** A member became reachable and its metadata is known. */
    record Joined(MemberInfo member) implements MembershipEvent {
        public Joined {
            Objects.requireNonNull(member, "member");
        }
    }

    /**
     * A member's metadata changed, or the member restarted (same identity, new process) before anyone
     * noticed it was gone.
     */
    record Updated(MemberInfo previous, MemberInfo member) implements MembershipEvent {
        public Updated {
            Objects.requireNonNull(previous, "previous");
            Objects.requireNonNull(member, "member");
            if (!previous.nodeId().equals(member.nodeId())) {
                throw new IllegalArgumentException("update across node ids");
            }
        }
    }

    /** The member announced a graceful leave: the fast signal to stop using it; {@code Removed} follows. */
    record Leaving(MemberInfo member) implements MembershipEvent {
        public Leaving {
            Objects.requireNonNull(member, "member");
        }
    }

    /** The member is gone from this node's view. */
    record Removed(MemberInfo member, Cause cause) implements MembershipEvent {
        public Removed {
            Objects.requireNonNull(member, "member");
            Objects.requireNonNull(cause, "cause");
        }
    }

    /** Why a member was removed. */
    enum Cause {
        /** It announced its leave earlier ({@link Leaving}). */
        LEFT,
        /** Fast path: its connections broke and reconnects were actively refused (process dead, host up). */
        CONFIRMED_DEAD,
        /** Slow path: SWIM suspicion timed out without refutation (host down, partition, or overload). */
        SUSPICION_TIMEOUT,
        /** The daemon evicted it because the node was removed from the cluster (its certificate is revoked). */
        REVOKED
    }
}
