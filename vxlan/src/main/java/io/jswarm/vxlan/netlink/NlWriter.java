package io.jswarm.vxlan.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds one netlink message at a time into a reusable heap buffer: header, fixed struct, attributes
 * (4-byte aligned, lengths including nested padding as iproute2 computes them). Header and attribute
 * lengths are host byte order; callers put addresses and ports in network order themselves.
 * Not thread-safe: one writer per encoder.
 */
final class NlWriter {
    private ByteBuffer buf = ByteBuffer.allocate(1024).order(ByteOrder.nativeOrder());

    /** Starts a message; sequence number and port id stay 0 and are set when the message is sent. */
    NlWriter begin(int type, int flags) {
        buf.clear();
        buf.putInt(0).putShort((short) type).putShort((short) flags).putInt(0).putInt(0);
        return this;
    }

    NlWriter u8(int v) {
        ensure(1);
        buf.put((byte) v);
        return this;
    }

    NlWriter u16(int v) {
        ensure(2);
        buf.putShort((short) v);
        return this;
    }

    NlWriter u32(int v) {
        ensure(4);
        buf.putInt(v);
        return this;
    }

    NlWriter u64(long v) {
        ensure(8);
        buf.putLong(v);
        return this;
    }

    /** Raw bytes as they are (addresses, SPIs: already in network order). */
    NlWriter bytes(byte[] b) {
        ensure(b.length);
        buf.put(b);
        return this;
    }

    NlWriter zeros(int n) {
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf.put((byte) 0);
        }
        return this;
    }

    NlWriter attr(int type, byte[] value) {
        ensure(4 + value.length + 3);
        buf.putShort((short) (4 + value.length)).putShort((short) type).put(value);
        return pad();
    }

    NlWriter attrU8(int type, int v) {
        return attr(type, new byte[] {(byte) v});
    }

    NlWriter attrU32(int type, int v) {
        ensure(8);
        buf.putShort((short) 8).putShort((short) type).putInt(v);
        return this;
    }

    /** A 16-bit value in network byte order (UDP ports). */
    NlWriter attrU16Be(int type, int v) {
        return attr(type, new byte[] {(byte) (v >>> 8), (byte) v});
    }

    /** A NUL-terminated string (interface names). */
    NlWriter attrString(int type, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] z = new byte[b.length + 1];
        System.arraycopy(b, 0, z, 0, b.length);
        return attr(type, z);
    }

    /** A string without terminator (IFLA_INFO_KIND, as iproute2 sends it). */
    NlWriter attrBareString(int type, String s) {
        return attr(type, s.getBytes(StandardCharsets.UTF_8));
    }

    /** Opens a nested attribute; returns its offset for {@link #endNest}. */
    int beginNest(int type) {
        ensure(4);
        int start = buf.position();
        buf.putShort((short) 0).putShort((short) type);
        return start;
    }

    NlWriter endNest(int start) {
        buf.putShort(start, (short) (buf.position() - start));
        return this;
    }

    /** Completes the message (length field) and returns a copy of its bytes. */
    byte[] finish() {
        pad();
        buf.putInt(0, buf.position());
        byte[] out = new byte[buf.position()];
        buf.get(0, out);
        return out;
    }

    private NlWriter pad() {
        int p = buf.position();
        int aligned = (p + 3) & ~3;
        ensure(aligned - p);
        while (buf.position() < aligned) {
            buf.put((byte) 0);
        }
        return this;
    }

    private void ensure(int more) {
        if (buf.remaining() < more) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + more))
                    .order(ByteOrder.nativeOrder());
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }
    }
}
