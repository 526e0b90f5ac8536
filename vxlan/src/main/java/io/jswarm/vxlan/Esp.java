package io.jswarm.vxlan;

/**
 * The constants of jswarm's IPsec data path (issue 11; design: {@code esp-design.md}, "Data path").
 *
 * <p>Encrypted networks use their own VXLAN UDP port, {@link #PORT}, so one pair of catch-all policies on that port
 * (out: block, in: only through jswarm's SAs) keeps plaintext of encrypted networks off the wire in both directions,
 * with no netfilter and no VNI match. Unencrypted networks keep 4789 and never ride the SAs.
 */
public final class Esp {
    /** The VXLAN UDP port of every encrypted network (4790 is VXLAN-GPE's). On the wire it is hidden inside ESP. */
    public static final int PORT = 4799;
    /** "JSW": ties jswarm's SAs to its policies, and tells reconcile which SAs are jswarm's. */
    public static final int REQID = 0x4A5357;
    /** The ESN replay window, in packets. */
    public static final int REPLAY_WINDOW = 128;
    /** Per-peer OUT policies: win over the catch-alls. */
    public static final int PEER_PRIORITY = 100;
    /** The catch-all policies on {@link #PORT}. */
    public static final int CATCH_ALL_PRIORITY = 200;
    /**
     * What ESP transport mode adds to a VXLAN datagram on top of VXLAN's own 50 bytes, before padding: ESP header 8,
     * IV 8, pad length + next header 2, ICV 16.
     */
    static final int ESP_FIXED = 34;

    private Esp() {
    }

    /**
     * The largest overlay (endpoint) MTU m whose encrypted datagram still fits {@code underlayMtu}: outer IPv4 20 +
     * ESP 8 + IV 8 + [UDP 8 + VXLAN 8 + Ethernet 14 + m + pad + 2] + ICV 16, where the bracket is padded to a
     * multiple of 4 (GCM's ESP block). For 1500: 1416.
     */
    public static int overlayMtu(int underlayMtu) {
        int m = underlayMtu - NetworkSpec.VXLAN_OVERHEAD - ESP_FIXED;
        while (m > 0 && m + NetworkSpec.VXLAN_OVERHEAD + ESP_FIXED + pad(m) > underlayMtu) {
            m--;
        }
        return m;
    }

    /** The smallest underlay MTU that carries an overlay MTU of {@code overlayMtu} encrypted. */
    public static int underlayFor(int overlayMtu) {
        return overlayMtu + NetworkSpec.VXLAN_OVERHEAD + ESP_FIXED + pad(overlayMtu);
    }

    /** ESP padding so that UDP + VXLAN + Ethernet + m + pad + 2 is a multiple of 4. */
    private static int pad(int m) {
        return Math.floorMod(-(m + 32), 4);
    }
}
