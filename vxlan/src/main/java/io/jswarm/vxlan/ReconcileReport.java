package io.jswarm.vxlan;

import java.util.List;

/** What {@link Dataplane#reconcile()} found different from the desired state and repaired. */
public record ReconcileReport(List<Repair> repairs) {
    public ReconcileReport {
        repairs = List.copyOf(repairs);
    }

    public boolean clean() {
        return repairs.isEmpty();
    }

    public long count(Kind kind) {
        return repairs.stream().filter(r -> r.kind() == kind).count();
    }

    /** One repaired difference; {@code detail} names the object, e.g. "fdb 02:42:0a:00:01:03 dst 192.0.2.2". */
    public record Repair(String networkId, Kind kind, String detail) {
        @Override
        public String toString() {
            return networkId + " " + kind.name().toLowerCase(java.util.Locale.ROOT) + ": " + detail;
        }
    }

    public enum Kind {
        /** The network or sandbox namespace was gone and was recreated. */
        NAMESPACE_MISSING,
        /** A device was missing and was created. */
        LINK_MISSING,
        /** A device had wrong attributes (VNI, port, flags, MTU, master, state) and was fixed or replaced. */
        LINK_WRONG,
        ADDRESS_MISSING,
        ROUTE_MISSING,
        NEIGHBOR_MISSING,
        /** A neighbour entry nobody asked for, removed. */
        NEIGHBOR_STALE,
        /** A neighbour entry with the wrong MAC, replaced. */
        NEIGHBOR_WRONG,
        FDB_MISSING,
        FDB_STALE,
        /** An FDB entry pointing at the wrong VTEP, replaced. */
        FDB_WRONG_VTEP,
        /**
         * A sandbox port's spoofing guard (port flags, its static FDB entry, its source filter) was missing or
         * wrong, and was set again.
         */
        PORT_GUARD,
        /** One of jswarm's ESP SAs was missing (issue 11), and was written. */
        XFRM_STATE_MISSING,
        /** An SA on one of jswarm's ids had another key, addresses or limits, and was rewritten. */
        XFRM_STATE_WRONG,
        /** An SA with jswarm's reqid that is not desired (a removed peer, a crashed run), deleted. */
        XFRM_STATE_STALE,
        /**
         * An outbound SA that was installed before is gone or carries another key: it is never written again with its
         * old key (nonce reuse, see {@link io.jswarm.vxlan.SentKeys}); the agent asks for a key rotation.
         */
        XFRM_STATE_LOST,
        XFRM_POLICY_MISSING,
        /** A policy on jswarm's port with another priority, action or template, replaced. */
        XFRM_POLICY_WRONG,
        /** A policy on jswarm's port that is not desired, deleted. */
        XFRM_POLICY_STALE
    }
}
