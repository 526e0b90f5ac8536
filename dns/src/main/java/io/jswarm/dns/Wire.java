package io.jswarm.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordEncoder;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.buffer.Unpooled;
import java.util.List;

/**
 * DNS messages as bytes, written here rather than by Netty's message encoders so an answer can be cut to
 * the client's limit record by record: what does not fit is left out and TC is set (RFC 1035 4.2.1, RFC 2181
 * 9), which tells the client to ask again over TCP.
 */
final class Wire {
    static final int HEADER = 12;
    /** Without EDNS0 a UDP answer is at most 512 bytes (RFC 1035 2.3.4). */
    static final int UDP_DEFAULT = 512;
    /** The largest UDP answer we send whatever a client's EDNS0 says (and the receive buffer we read with). */
    static final int UDP_MAX = 4096;
    /** A TCP message has a 16-bit length prefix. */
    static final int TCP_MAX = 65_535;
    /** Our OPT record: root name, type, class (payload size), TTL (ext. rcode, version, flags), empty RDATA. */
    private static final int OPT_LENGTH = 11;

    private static final int QR = 0x8000;
    private static final int TC = 0x0200;
    private static final int RD = 0x0100;
    private static final int RA = 0x0080;

    private Wire() {
    }

    /**
     * A response: header, the question (may be null), as many answers as fit into {@code limit} bytes
     * (TC set if any were left out) and, with {@code edns}, an OPT record announcing {@link #UDP_MAX}.
     *
     * @throws IllegalArgumentException if a name cannot be encoded (the caller answers SERVFAIL instead)
     */
    static ByteBuf response(ByteBufAllocator alloc, int id, boolean rd, DnsResponseCode code, DnsQuestion question,
                            List<? extends DnsRecord> answers, int limit, boolean edns) {
        ByteBuf out = alloc.buffer(Math.min(limit, 512));
        try {
            out.writeZero(HEADER);
            int qd = 0;
            if (question != null) {
                DnsRecordEncoder.DEFAULT.encodeQuestion(question, out);
                qd = 1;
            }
            int reserve = edns ? OPT_LENGTH : 0;
            int an = 0;
            boolean truncated = false;
            for (DnsRecord r : answers) {
                int mark = out.writerIndex();
                DnsRecordEncoder.DEFAULT.encodeRecord(r, out);
                if (out.writerIndex() + reserve > limit) {
                    out.writerIndex(mark);
                    truncated = true;
                    break;
                }
                an++;
            }
            int ar = 0;
            if (edns) {
                DnsRecordEncoder.DEFAULT.encodeRecord(new DefaultDnsRawRecord("", DnsRecordType.OPT, UDP_MAX, 0,
                        Unpooled.EMPTY_BUFFER), out);
                ar = 1;
            }
            int flags = QR | (rd ? RD : 0) | RA | (truncated ? TC : 0) | (code.intValue() & 0xf);
            out.setShort(0, id).setShort(2, flags).setShort(4, qd).setShort(6, an).setShort(8, 0).setShort(10, ar);
            return out;
        } catch (Exception e) {
            out.release();
            throw new IllegalArgumentException("cannot encode the answer to " + question + ": " + e.getMessage(), e);
        }
    }

    /** A recursive query with one question (what the forwarder sends upstream). */
    static ByteBuf query(ByteBufAllocator alloc, int id, DnsQuestion question) {
        ByteBuf out = alloc.buffer(64);
        try {
            out.writeShort(id).writeShort(RD).writeShort(1).writeShort(0).writeShort(0).writeShort(0);
            DnsRecordEncoder.DEFAULT.encodeQuestion(question, out);
            return out;
        } catch (Exception e) {
            out.release();
            throw new IllegalArgumentException("cannot encode the question " + question + ": " + e.getMessage(), e);
        }
    }

    /**
     * A relayed (upstream) message cut to {@code limit}: if it is longer, only its header (TC set, the counts
     * of everything but the question zeroed) and its question stay. Takes ownership of {@code message}.
     */
    static ByteBuf fit(ByteBuf message, int limit) {
        if (message.readableBytes() <= limit) {
            return message;
        }
        int start = message.readerIndex();
        int qd = message.getUnsignedShort(start + 4);
        int end = qd == 1 ? questionEnd(message, start + HEADER) : -1;
        if (end < 0 || end - start > limit) {
            end = start + HEADER;
            qd = 0;
        }
        ByteBuf cut = message.alloc().buffer(end - start);
        cut.writeBytes(message, start, end - start);
        message.release();
        cut.setShort(2, cut.getUnsignedShort(2) | TC).setShort(4, qd).setShort(6, 0).setShort(8, 0).setShort(10, 0);
        return cut;
    }

    /** The index after the question starting at {@code at} (name, type, class); -1 if malformed. */
    private static int questionEnd(ByteBuf m, int at) {
        int i = at;
        int limit = m.writerIndex();
        while (i < limit) {
            int len = m.getUnsignedByte(i);
            if (len == 0) {
                i += 1;
                break;
            }
            if ((len & 0xc0) == 0xc0) {
                i += 2; // a compression pointer ends the name
                break;
            }
            if ((len & 0xc0) != 0) {
                return -1;
            }
            i += 1 + len;
        }
        i += 4;
        return i <= limit ? i : -1;
    }
}
