package io.jswarm.vxlan.kernel;

import java.net.InetAddress;

/** An ESP SA's identity in the kernel: destination address and SPI ({@code ip xfrm state delete dst D proto esp spi S}). */
public record XfrmId(InetAddress dst, int spi) {
    public XfrmId {
        if (dst == null) {
            throw new IllegalArgumentException("SA id needs a destination");
        }
    }
}
