package io.scalecube.cluster.membership;

import io.scalecube.cluster.Member;
import java.util.Collection;
import java.util.List;

/**
 * jswarm's access to scalecube's package-private membership payloads, so that they can be encoded as
 * protobuf instead of Java serialization. Lives in scalecube's package because the types are final and
 * package-private; it only constructs and reads them, it changes no behaviour. Pinned to scalecube 2.7.7.
 */
public final class JswarmWireAccess {
    private JswarmWireAccess() {}

    public static boolean isRecord(Object o) {
        return o instanceof MembershipRecord;
    }

    public static boolean isSyncData(Object o) {
        return o instanceof SyncData;
    }

    public static Object record(Member member, MemberStatus status, int incarnation) {
        return new MembershipRecord(member, status, incarnation);
    }

    public static Member recordMember(Object record) {
        return ((MembershipRecord) record).member();
    }

    public static MemberStatus recordStatus(Object record) {
        return ((MembershipRecord) record).status();
    }

    public static int recordIncarnation(Object record) {
        return ((MembershipRecord) record).incarnation();
    }

    /** @param records objects for which {@link #isRecord} holds */
    public static Object syncData(List<Object> records) {
        return new SyncData(records.stream().map(MembershipRecord.class::cast).toList());
    }

    public static Collection<?> syncRecords(Object syncData) {
        return ((SyncData) syncData).getMembership();
    }
}
