package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.IpPrefix;
import java.net.InetAddress;

/**
 * A unicast route in the main table. {@code gateway} is {@code null} for on-link routes; {@code dev} may be
 * {@code null} when a gateway alone determines the route (the kernel then picks the device).
 */
public record Route(IpPrefix dst, InetAddress gateway, String dev) {
    public Route {
        if (dst == null) {
            throw new IllegalArgumentException("route destination is required");
        }
        if (gateway == null && dev == null) {
            throw new IllegalArgumentException("route to " + dst + " needs a gateway or a device");
        }
        if (dev != null) {
            LinkSpec.checkName(dev);
        }
        dst = dst.network();
    }

    public static Route defaultVia(InetAddress gateway, String dev) {
        return new Route(IpPrefix.of(anyOf(gateway), 0), gateway, dev);
    }

    private static InetAddress anyOf(InetAddress sameFamily) {
        return IpPrefix.of(sameFamily, 0).network().address();
    }
}
