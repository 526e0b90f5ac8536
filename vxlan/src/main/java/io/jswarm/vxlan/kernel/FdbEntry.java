package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.MacAddress;
import java.net.InetAddress;

/**
 * A bridge forwarding entry ({@code bridge fdb}). On a VXLAN device jswarm writes {@code self permanent}
 * entries whose {@code dst} is the remote VTEP; without NTF_SELF the entry would land in the master
 * bridge's table and the destination would be lost.
 *
 * @param dst       the remote VTEP for VXLAN entries, else {@code null}
 * @param self      NTF_SELF: the entry belongs to the device itself, not its master
 * @param permanent NUD_PERMANENT (static, never aged out)
 */
public record FdbEntry(String dev, MacAddress mac, InetAddress dst, boolean self, boolean permanent) {
    public FdbEntry {
        LinkSpec.checkName(dev);
        if (mac == null) {
            throw new IllegalArgumentException("FDB entry needs a MAC");
        }
    }

    /** The entry jswarm programs for a remote endpoint: {@code MAC dev VXLAN dst VTEP self permanent}. */
    public static FdbEntry remote(String vxlanDev, MacAddress mac, InetAddress vtep) {
        if (vtep == null) {
            throw new IllegalArgumentException("remote FDB entry needs a VTEP address");
        }
        return new FdbEntry(vxlanDev, mac, vtep, true, true);
    }
}
