package io.jswarm.vxlan.kernel;

/**
 * An SA's lifetime limits in bytes and packets ({@code ip xfrm state ... limit byte-soft N packet-soft M ...});
 * {@link #INFINITE} means none (the kernel's XFRM_INF). At a soft limit the kernel sends XFRM_MSG_EXPIRE with
 * {@code hard = 0} and keeps the SA; at a hard limit it deletes the SA.
 */
public record XfrmLimits(long softBytes, long hardBytes, long softPackets, long hardPackets) {
    public static final long INFINITE = -1L; // ~0ULL in the kernel
    public static final XfrmLimits NONE = new XfrmLimits(INFINITE, INFINITE, INFINITE, INFINITE);

    public static XfrmLimits soft(long bytes, long packets) {
        return new XfrmLimits(bytes, INFINITE, packets, INFINITE);
    }
}
