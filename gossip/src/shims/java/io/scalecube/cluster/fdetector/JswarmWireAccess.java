package io.scalecube.cluster.fdetector;

import io.scalecube.cluster.Member;

/**
 * jswarm's access to scalecube's package-private {@code PingData} (see the membership twin for why).
 * Pinned to scalecube 2.7.7.
 */
public final class JswarmWireAccess {
    private JswarmWireAccess() {}

    /** scalecube's ack type, mirrored so callers outside the package can name it; null for a request. */
    public enum Ack { DEST_OK, DEST_GONE }

    public static boolean isPingData(Object o) {
        return o instanceof PingData;
    }

    public static Object pingData(Member from, Member to, Member originalIssuer, Ack ack) {
        PingData p = new PingData(from, to, originalIssuer);
        return ack == null ? p : p.withAckType(PingData.AckType.valueOf(ack.name()));
    }

    public static Member from(Object ping) {
        return ((PingData) ping).getFrom();
    }

    public static Member to(Object ping) {
        return ((PingData) ping).getTo();
    }

    public static Member originalIssuer(Object ping) {
        return ((PingData) ping).getOriginalIssuer();
    }

    public static Ack ack(Object ping) {
        PingData.AckType t = ((PingData) ping).getAckType();
        return t == null ? null : Ack.valueOf(t.name());
    }
}
