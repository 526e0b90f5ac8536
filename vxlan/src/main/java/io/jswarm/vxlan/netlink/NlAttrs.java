package io.jswarm.vxlan.netlink;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The attributes of one message (or one nested attribute), indexed by type for O(1) look-up. Types above
 * {@link #MAX_TYPE} are ignored; the nested and byte-order flag bits are masked off.
 */
final class NlAttrs {
    private static final int MAX_TYPE = 127;
    private final ByteBuffer buf;
    private final int[] offset = new int[MAX_TYPE + 1];
    private final int[] length = new int[MAX_TYPE + 1];

    private NlAttrs(ByteBuffer buf) {
        this.buf = buf;
    }

    /** Parses the attributes in {@code buf} between {@code from} and {@code to}. */
    static NlAttrs parse(ByteBuffer buf, int from, int to) {
        ByteBuffer b = buf.order() == ByteOrder.nativeOrder() ? buf : buf.duplicate().order(ByteOrder.nativeOrder());
        NlAttrs attrs = new NlAttrs(b);
        for (int a = from; a + 4 <= to; ) {
            int len = b.getShort(a) & 0xFFFF;
            if (len < 4 || a + len > to) {
                break;
            }
            int type = b.getShort(a + 2) & 0x3FFF;
            if (type <= MAX_TYPE) {
                attrs.offset[type] = a + 4;
                attrs.length[type] = len - 4;
            }
            a += (len + 3) & ~3;
        }
        return attrs;
    }

    /** The attributes nested inside attribute {@code type}, or {@code null} if absent. */
    NlAttrs nested(int type) {
        return has(type) ? parse(buf, offset[type], offset[type] + length[type]) : null;
    }

    boolean has(int type) {
        return offset[type] != 0;
    }

    int u8(int type, int absent) {
        return has(type) && length[type] >= 1 ? buf.get(offset[type]) & 0xFF : absent;
    }

    int u32(int type, int absent) {
        return has(type) && length[type] >= 4 ? buf.getInt(offset[type]) : absent;
    }

    int u16Be(int type, int absent) {
        return has(type) && length[type] >= 2 ? ((buf.get(offset[type]) & 0xFF) << 8) | (buf.get(offset[type] + 1) & 0xFF)
                : absent;
    }

    byte[] bytes(int type) {
        if (!has(type)) {
            return null;
        }
        byte[] b = new byte[length[type]];
        buf.get(offset[type], b);
        return b;
    }

    /** A string up to its first NUL (or the attribute's end). */
    String string(int type) {
        if (!has(type)) {
            return null;
        }
        int end = offset[type];
        while (end < offset[type] + length[type] && buf.get(end) != 0) {
            end++;
        }
        byte[] b = new byte[end - offset[type]];
        buf.get(offset[type], b);
        return new String(b, StandardCharsets.UTF_8);
    }

    InetAddress address(int type) {
        byte[] b = bytes(type);
        if (b == null || (b.length != 4 && b.length != 16)) {
            return null;
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes always make an address", e);
        }
    }
}
