package io.jswarm.vxlan.netlink;

import io.jswarm.vxlan.kernel.KernelChange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What to do about requests whose answers were lost to a receive-buffer overrun, and which errors of a
 * delete mean "already gone". Resending is safe for every change but two: Set/Replace/AddAddress use
 * CREATE|REPLACE and deletes treat "absent" as success, while AddLink (exclusive) and MoveLink (the link
 * leaves the namespace) are judged against a fresh link dump instead. One ambiguity remains: an AddLink
 * whose EEXIST was lost counts as success, because the link it names does exist.
 */
final class Recovery {
    private Recovery() {
    }

    @FunctionalInterface
    interface Resender {
        /** Sends again the requests at these positions of the batch. */
        NetlinkChannel.Outcomes resend(List<Integer> positions) throws IOException;
    }

    @FunctionalInterface
    interface LinkNames {
        Set<String> get() throws IOException;
    }

    /**
     * Replaces {@link NetlinkChannel#UNKNOWN} outcomes in {@code outcomes} by settling or resending them, for at
     * most {@code rounds} rounds; what is still unknown then becomes ENOBUFS.
     */
    static void recover(List<KernelChange> changes, NetlinkChannel.Outcomes outcomes, Resender resender,
                        LinkNames linkNames, int rounds) throws IOException {
        int[] errno = outcomes.errno();
        for (int round = 0; round < rounds; round++) {
            List<Integer> unknown = unknown(errno);
            if (unknown.isEmpty()) {
                return;
            }
            Set<String> present = needsLinks(changes, unknown) ? linkNames.get() : Set.of();
            List<Integer> resend = new ArrayList<>();
            for (int k : unknown) {
                switch (changes.get(k)) {
                    case KernelChange.AddLink a -> settleOrResend(errno, k, present.contains(a.spec().name()), resend);
                    case KernelChange.MoveLink m -> settleOrResend(errno, k, !present.contains(m.name()), resend);
                    default -> resend.add(k);
                }
            }
            if (!resend.isEmpty()) {
                NetlinkChannel.Outcomes again = resender.resend(resend);
                for (int j = 0; j < resend.size(); j++) {
                    errno[resend.get(j)] = again.errno()[j];
                    outcomes.extack()[resend.get(j)] = again.extack()[j];
                }
            }
        }
        for (int k : unknown(errno)) {
            errno[k] = Errno.ENOBUFS;
            outcomes.extack()[k] = "answer lost to receive-buffer overruns " + rounds + " times";
        }
    }

    private static void settleOrResend(int[] errno, int k, boolean inEffect, List<Integer> resend) {
        if (inEffect) {
            errno[k] = 0;
        } else {
            resend.add(k);
        }
    }

    private static List<Integer> unknown(int[] errno) {
        List<Integer> unknown = new ArrayList<>();
        for (int k = 0; k < errno.length; k++) {
            if (errno[k] == NetlinkChannel.UNKNOWN) {
                unknown.add(k);
            }
        }
        return unknown;
    }

    private static boolean needsLinks(List<KernelChange> changes, List<Integer> positions) {
        return positions.stream().map(changes::get)
                .anyMatch(c -> c instanceof KernelChange.AddLink || c instanceof KernelChange.MoveLink);
    }

    /** A delete whose target is already gone did what it was asked to. */
    static boolean isHarmless(KernelChange change, int errno) {
        boolean delete = change instanceof KernelChange.DeleteLink || change instanceof KernelChange.DeleteAddress
                || change instanceof KernelChange.DeleteRoute || change instanceof KernelChange.DeleteNeighbor
                || change instanceof KernelChange.DeleteFdb;
        if (change instanceof KernelChange.DeletePortFilter) {
            // RTM_DELQDISC of a clsact that is not there: "Cannot find specified qdisc" (EINVAL or ENOENT).
            return errno == Errno.ENOENT || errno == Errno.EINVAL || errno == Errno.ENODEV;
        }
        return delete && (errno == Errno.ENOENT || errno == Errno.ENODEV || errno == Errno.ESRCH
                || errno == Errno.EADDRNOTAVAIL);
    }
}
