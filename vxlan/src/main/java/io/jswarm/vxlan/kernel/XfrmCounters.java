package io.jswarm.vxlan.kernel;

/** What the kernel counted on an SA (XFRMA_LIFETIME_CUR and {@code struct xfrm_stats}). */
public record XfrmCounters(long bytes, long packets, long replayFailures, long integrityFailures) {
    public static final XfrmCounters NONE = new XfrmCounters(0, 0, 0, 0);
}
