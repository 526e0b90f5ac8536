package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.IpPrefix;

/** An interface address ({@code ip addr}): {@code prefix} carries the host bits, e.g. 10.0.1.1/24. */
public record Address(String dev, IpPrefix prefix) {
    public Address {
        LinkSpec.checkName(dev);
        if (prefix == null) {
            throw new IllegalArgumentException("address prefix is required");
        }
    }
}
