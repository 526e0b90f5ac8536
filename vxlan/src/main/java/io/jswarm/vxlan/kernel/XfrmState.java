package io.jswarm.vxlan.kernel;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One ESP security association in transport mode ({@code ip xfrm state}): AES-GCM ({@code rfc4106(gcm(aes))},
 * 128-bit ICV), extended sequence numbers with a replay window, so the SA never dies at the 32-bit wrap.
 * jswarm writes only this kind; a dump reports every ESP transport SA of the namespace (foreign ones too, so
 * reconcile can tell its own by {@link #reqid}).
 *
 * @param src          the sender's VTEP (outer source)
 * @param dst          the receiver's VTEP; with {@code spi} and ESP it is the SA's identity in the kernel
 * @param spi          the security parameter index (never 0..255, reserved by RFC 4303)
 * @param reqid        ties the SA to jswarm's policies and marks it as jswarm's
 * @param key          20 bytes: the 128-bit AES key followed by the 32-bit GCM salt (RFC 4106)
 * @param replayWindow the ESN replay window in packets (1..4096; the kernel refuses ESN without one)
 * @param limits       soft and hard byte/packet limits; the kernel sends XFRM_MSG_EXPIRE at the soft ones
 * @param initialSeq   the first 64-bit sequence number state (0 in production; tests start SAs near 2^32)
 * @param counters     what the kernel counted (bytes, packets, replay and integrity failures); {@link
 *                     XfrmCounters#NONE} when writing, filled in by dumps
 */
public record XfrmState(InetAddress src, InetAddress dst, int spi, int reqid, byte[] key, int replayWindow,
                        XfrmLimits limits, long initialSeq, XfrmCounters counters) {
    public static final int KEY_BYTES = 20;
    public static final String AEAD = "rfc4106(gcm(aes))";
    public static final int ICV_BITS = 128;

    public XfrmState {
        if (!(src instanceof Inet4Address) || !(dst instanceof Inet4Address)) {
            throw new IllegalArgumentException("SA addresses must be IPv4, got " + src + " -> " + dst);
        }
        if (Integer.compareUnsigned(spi, 256) < 0) {
            throw new IllegalArgumentException("SPI 0x" + Integer.toHexString(spi) + " is reserved (0..255)");
        }
        if (key == null || key.length != KEY_BYTES) {
            throw new IllegalArgumentException("an ESP key is " + KEY_BYTES + " bytes (AES-128 + salt)");
        }
        if (replayWindow < 1 || replayWindow > 4096) {
            throw new IllegalArgumentException("replay window must be 1..4096, got " + replayWindow);
        }
        if (limits == null) {
            limits = XfrmLimits.NONE;
        }
        if (counters == null) {
            counters = XfrmCounters.NONE;
        }
        key = key.clone();
    }

    public XfrmState(InetAddress src, InetAddress dst, int spi, int reqid, byte[] key, int replayWindow, XfrmLimits limits) {
        this(src, dst, spi, reqid, key, replayWindow, limits, 0, XfrmCounters.NONE);
    }

    @Override
    public byte[] key() {
        return key.clone();
    }

    /** The kernel's identity of the SA: destination, SPI (protocol is always ESP). */
    public XfrmId id() {
        return new XfrmId(dst, spi);
    }

    /** Equal configuration (addresses, SPI, reqid, key, window, limits); counters and initialSeq ignored. */
    public boolean sameConfig(XfrmState o) {
        return src.equals(o.src) && dst.equals(o.dst) && spi == o.spi && reqid == o.reqid
                && Arrays.equals(key, o.key) && replayWindow == o.replayWindow && limits.equals(o.limits);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XfrmState s && sameConfig(s) && initialSeq == s.initialSeq && counters.equals(s.counters);
    }

    @Override
    public int hashCode() {
        return id().hashCode();
    }

    /** Never prints the key. */
    @Override
    public String toString() {
        return "XfrmState[" + src.getHostAddress() + "->" + dst.getHostAddress() + " spi 0x"
                + HexFormat.of().toHexDigits(spi) + " reqid " + reqid + " window " + replayWindow + " " + limits
                + " " + counters + "]";
    }
}
