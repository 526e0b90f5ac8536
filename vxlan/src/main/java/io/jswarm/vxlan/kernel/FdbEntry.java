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
 * @param sticky    NTF_STICKY on a bridge ({@code master}) entry: static (NUD_NOARP, never aged) and never moved to
 *                  another port by learning; {@code permanent} is then {@code false} (a permanent bridge entry is
 *                  one of the bridge's own addresses, delivered to the host)
 */
public record FdbEntry(String dev, MacAddress mac, InetAddress dst, boolean self, boolean permanent, boolean sticky) {
    public FdbEntry {
        LinkSpec.checkName(dev);
        if (mac == null) {
            throw new IllegalArgumentException("FDB entry needs a MAC");
        }
        if (sticky && (self || permanent || dst != null)) {
            throw new IllegalArgumentException("a sticky FDB entry is a static bridge entry: no self, permanent or dst");
        }
    }

    public FdbEntry(String dev, MacAddress mac, InetAddress dst, boolean self, boolean permanent) {
        this(dev, mac, dst, self, permanent, false);
    }

    /**
     * The entry jswarm programs for a local endpoint on its bridge port: {@code MAC dev PORT master static sticky}.
     * The bridge forwards the MAC to that port without learning, learning elsewhere cannot move it, and a locked
     * port lets only this MAC in.
     */
    public static FdbEntry port(String portDev, MacAddress mac) {
        return new FdbEntry(portDev, mac, null, false, false, true);
    }

    /** The entry jswarm programs for a remote endpoint: {@code MAC dev VXLAN dst VTEP self permanent}. */
    public static FdbEntry remote(String vxlanDev, MacAddress mac, InetAddress vtep) {
        if (vtep == null) {
            throw new IllegalArgumentException("remote FDB entry needs a VTEP address");
        }
        return new FdbEntry(vxlanDev, mac, vtep, true, true);
    }
}
