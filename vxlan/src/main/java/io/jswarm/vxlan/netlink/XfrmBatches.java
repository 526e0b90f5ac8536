package io.jswarm.vxlan.netlink;

import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Splits one {@code Kernel.apply} batch between a namespace's rtnetlink session and its XFRM session: they are
 * separate sockets and separate kernel subsystems (an SA names no device, a device change never needs an SA), so
 * the XFRM changes go after the rest, and the failures of both are reported in batch order. A batch without XFRM
 * changes goes to rtnetlink untouched.
 */
final class XfrmBatches {
    private XfrmBatches() {
    }

    @FunctionalInterface
    interface Rtnetlink {
        void apply(List<? extends KernelChange> changes) throws IOException;
    }

    @FunctionalInterface
    interface Xfrm {
        Map<Integer, KernelException> apply(List<XfrmSession.Indexed> changes) throws IOException;
    }

    static boolean isXfrm(KernelChange c) {
        return c instanceof KernelChange.SetXfrmState || c instanceof KernelChange.DeleteXfrmState
                || c instanceof KernelChange.SetXfrmPolicy || c instanceof KernelChange.DeleteXfrmPolicy;
    }

    static void apply(List<? extends KernelChange> changes, Rtnetlink rtnetlink, Xfrm xfrm) throws IOException {
        List<KernelChange> rtnl = new ArrayList<>();
        List<Integer> rtnlPositions = new ArrayList<>();
        List<XfrmSession.Indexed> x = new ArrayList<>();
        for (int i = 0; i < changes.size(); i++) {
            KernelChange c = changes.get(i);
            if (isXfrm(c)) {
                x.add(new XfrmSession.Indexed(i, c));
            } else {
                rtnl.add(c);
                rtnlPositions.add(i);
            }
        }
        if (x.isEmpty()) {
            rtnetlink.apply(changes);
            return;
        }
        TreeMap<Integer, KernelException> failures = new TreeMap<>();
        if (!rtnl.isEmpty()) {
            try {
                rtnetlink.apply(rtnl);
            } catch (KernelException e) {
                int unmatched = 0;
                for (KernelException f : e.failures()) {
                    Integer at = positionOf(f.change(), rtnl, rtnlPositions);
                    failures.put(at != null ? at : Integer.MIN_VALUE + unmatched++, f); // unmatched: first, in order
                }
            }
        }
        failures.putAll(xfrm.apply(x));
        if (!failures.isEmpty()) {
            throw failures.size() == 1 ? failures.firstEntry().getValue()
                    : new KernelException(List.copyOf(failures.values()));
        }
    }

    /** Where a failed rtnetlink change sat in the batch; {@code null} for a part it made up (a port filter's). */
    private static Integer positionOf(KernelChange change, List<KernelChange> rtnl, List<Integer> positions) {
        for (int j = 0; j < rtnl.size(); j++) {
            if (rtnl.get(j) == change) {
                return positions.get(j);
            }
        }
        return null;
    }
}
