package io.jswarm.vxlan.kernel;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The XFRM tables of one {@link FakeNetns}: ESP SAs by (dst, SPI) and policies by (selector, direction), with the
 * semantics of {@link KernelChange.SetXfrmState} & co. as {@code NetlinkKernel} gives them on Linux:
 * <ul>
 *   <li>setting an SA whose id exists replaces it; if only its limits differ (what XFRM_MSG_UPDSA can change) the
 *       kernel's counters and sequence numbers stay, otherwise it is a new SA (counters from zero, the given
 *       {@code initialSeq});</li>
 *   <li>a policy with the same selector and direction is replaced whatever its priority (UPDPOLICY);</li>
 *   <li>deleting what is not there succeeds;</li>
 *   <li>without ESP in the "kernel" an SA is refused with ENOSYS "Requested AEAD algorithm not found", as
 *       Linux without {@code esp4} does, and nothing changes.</li>
 * </ul>
 * Guarded by the kernel's lock.
 */
final class FakeXfrm {
    static final int ENOSYS = 38;

    private final Map<XfrmId, XfrmState> states = new LinkedHashMap<>();
    private final Map<XfrmPolicy.Key, XfrmPolicy> policies = new LinkedHashMap<>();

    void setState(KernelChange.SetXfrmState change, boolean espSupported) throws KernelException {
        XfrmState s = change.state();
        if (!espSupported) {
            throw FakeChanges.error("XFRM_MSG_NEWSA", change, ENOSYS, "Requested AEAD algorithm not found");
        }
        XfrmState old = states.get(s.id());
        if (old != null && sameExceptLimits(old, s)) {
            // UPDSA: only the lifetime limits change; the SA keeps counting where it was.
            states.put(s.id(), new XfrmState(s.src(), s.dst(), s.spi(), s.reqid(), s.key(), s.replayWindow(),
                    s.limits(), old.initialSeq(), old.counters()));
            return;
        }
        // A new SA, or a different one under the same id (deleted and added again): counters start from zero.
        states.put(s.id(), new XfrmState(s.src(), s.dst(), s.spi(), s.reqid(), s.key(), s.replayWindow(),
                s.limits(), s.initialSeq(), XfrmCounters.NONE));
    }

    void deleteState(XfrmId id) {
        states.remove(id);
    }

    void setPolicy(XfrmPolicy policy) {
        policies.put(policy.key(), policy);
    }

    void deletePolicy(XfrmPolicy.Key key) {
        policies.remove(key);
    }

    List<XfrmState> states() {
        return List.copyOf(states.values());
    }

    List<XfrmPolicy> policies() {
        return List.copyOf(policies.values());
    }

    boolean hasState(XfrmId id) {
        return states.containsKey(id);
    }

    /** As traffic would: the SA's counters become {@code counters}. */
    void count(XfrmId id, XfrmCounters counters) {
        XfrmState s = states.get(id);
        if (s == null) {
            throw new IllegalArgumentException("no SA " + id);
        }
        states.put(id, new XfrmState(s.src(), s.dst(), s.spi(), s.reqid(), s.key(), s.replayWindow(), s.limits(),
                s.initialSeq(), counters));
    }

    /** A hard expiry deletes the SA, as the kernel does when it sends the hard XFRM_MSG_EXPIRE. */
    void expireHard(XfrmId id) {
        states.remove(id);
    }

    private static boolean sameExceptLimits(XfrmState a, XfrmState b) {
        XfrmState bWithLimitsOfA = new XfrmState(b.src(), b.dst(), b.spi(), b.reqid(), b.key(), b.replayWindow(),
                a.limits());
        return a.sameConfig(bWithLimitsOfA);
    }
}
