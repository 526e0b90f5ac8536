package io.jswarm.vxlan;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/** Device names the data plane gives, all deterministic so a restarted daemon finds its own devices. */
final class Names {
    static final String BRIDGE = "br0";
    static final String VXLAN = "vxlan0";
    static final String LOOPBACK = "lo";
    private static final int HASHED_PREFIX = 7;
    private static final int HASH_CHARS = 6;

    private Names() {
    }

    /**
     * Docker's name for a VXLAN device while it still sits in the host namespace: {@code vx-<VNI %06x>-<id[:5]>}
     * (15 bytes at most). Finding one of these in the host namespace means a run crashed between create and move.
     */
    static String vxlanInHost(NetworkSpec spec) {
        return String.format("vx-%06x-%s", spec.vni().value(), spec.id().substring(0, Math.min(5, spec.id().length())));
    }

    /** Whether {@code name} looks like a host-side VXLAN device of network {@code networkId}, whatever its VNI. */
    static boolean isVxlanInHostOf(String name, String networkId) {
        String suffix = "-" + networkId.substring(0, Math.min(5, networkId.length()));
        return name.matches("vx-[0-9a-f]{6}-[a-z0-9]{1,5}") && name.endsWith(suffix);
    }

    /**
     * The network-namespace end of an endpoint's veth: {@code ve<id>} when that fits in 15 bytes, else
     * {@code ve} + 7 characters of the id + 6 base-36 characters of its CRC-32, so two long ids that share a
     * prefix still get different names (a clash that remains is refused by validation, never silently shared).
     */
    static String hostVeth(String endpointId) {
        if (endpointId.length() <= 13) {
            return "ve" + endpointId;
        }
        CRC32 crc = new CRC32();
        crc.update(endpointId.getBytes(StandardCharsets.US_ASCII));
        long bound = (long) Math.pow(36, HASH_CHARS);
        String hash = Long.toString(crc.getValue() % bound, 36);
        hash = "0".repeat(HASH_CHARS - hash.length()) + hash;
        return "ve" + endpointId.substring(0, HASHED_PREFIX) + hash;
    }
}
