package io.jswarm.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryEncoder;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsPtrRecord;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A blocking DNS client over a real UDP socket; Netty's codecs run in an EmbeddedChannel only to build and
 * parse the bytes. Responses are reduced to plain values so nothing reference-counted escapes.
 */
final class DnsTestClient implements AutoCloseable {

    /**
     * A parsed answer: rcode, id, the answer section's values (IPs or PTR names), TTLs, the TC flag, the
     * message's size and the OPT record's payload size (0: none).
     */
    record Answer(int id, DnsResponseCode code, List<String> values, List<Long> ttls, String questionName,
                  boolean truncated, int size, int ednsSize) {
    }

    private final java.net.DatagramSocket socket;
    private final InetSocketAddress server;

    DnsTestClient(InetSocketAddress server) throws IOException {
        this.server = server;
        this.socket = new java.net.DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.socket.setSoTimeout(15_000); // generous: a lost answer fails the test, it does not hang it
    }

    /** The bytes of a recursive query; {@code ednsSize} > 0 adds an OPT record announcing it. */
    static byte[] encode(int id, String name, DnsRecordType type, int ednsSize) {
        var query = new DatagramDnsQuery(null, new InetSocketAddress(InetAddress.getLoopbackAddress(), 53), id)
                .setRecursionDesired(true);
        query.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(name, type));
        if (ednsSize > 0) {
            query.addRecord(DnsSection.ADDITIONAL, new io.netty.handler.codec.dns.DefaultDnsRawRecord("",
                    DnsRecordType.OPT, ednsSize, 0, Unpooled.EMPTY_BUFFER));
        }
        var ch = new EmbeddedChannel(new DatagramDnsQueryEncoder());
        ch.writeOutbound(query);
        DatagramPacket packet = ch.readOutbound();
        byte[] bytes = ByteBufUtil.getBytes(packet.content());
        packet.release();
        ch.finishAndReleaseAll();
        return bytes;
    }

    void send(int id, String name, DnsRecordType type) throws IOException {
        send(id, name, type, 0);
    }

    void send(int id, String name, DnsRecordType type, int ednsSize) throws IOException {
        byte[] bytes = encode(id, name, type, ednsSize);
        socket.send(new java.net.DatagramPacket(bytes, bytes.length, server));
    }

    Answer receive() throws IOException {
        var buf = new byte[4096];
        var p = new java.net.DatagramPacket(buf, buf.length);
        socket.receive(p);
        return parse(java.util.Arrays.copyOf(buf, p.getLength()));
    }

    /** Decodes one DNS response message. */
    static Answer parse(byte[] message) throws IOException {
        ByteBuf content = Unpooled.copiedBuffer(message);
        var ch = new EmbeddedChannel(new DatagramDnsResponseDecoder());
        var here = new InetSocketAddress(InetAddress.getLoopbackAddress(), 1);
        ch.writeInbound(new DatagramPacket(content, here, here));
        DnsResponse r = ch.readInbound();
        try {
            var values = new ArrayList<String>();
            var ttls = new ArrayList<Long>();
            for (int i = 0; i < r.count(DnsSection.ANSWER); i++) {
                DnsRecord rec = r.recordAt(DnsSection.ANSWER, i);
                ttls.add(rec.timeToLive());
                if (rec instanceof DnsPtrRecord ptr) {
                    values.add(ptr.hostname());
                } else if (rec.type() == DnsRecordType.A) {
                    ByteBuf data = ((DnsRawRecord) rec).content();
                    values.add(InetAddress.getByAddress(ByteBufUtil.getBytes(data)).getHostAddress());
                } else if (rec.type() == DnsRecordType.PTR) {
                    values.add(decodeName(ByteBufUtil.getBytes(((DnsRawRecord) rec).content())));
                } else {
                    values.add(rec.type().name());
                }
            }
            int edns = 0;
            for (int i = 0; i < r.count(DnsSection.ADDITIONAL); i++) {
                DnsRecord rec = r.recordAt(DnsSection.ADDITIONAL, i);
                if (rec.type() == DnsRecordType.OPT) {
                    edns = rec.dnsClass();
                }
            }
            DnsRecord q = r.recordAt(DnsSection.QUESTION);
            return new Answer(r.id(), r.code(), values, ttls, q == null ? null : q.name(), r.isTruncated(),
                    message.length, edns);
        } finally {
            r.release();
            ch.finishAndReleaseAll();
        }
    }

    /** One query over a new TCP connection to {@code tcp}: 2-byte length, message; the answer likewise. */
    static Answer queryTcp(InetSocketAddress tcp, String name, DnsRecordType type) throws IOException {
        try (var s = new java.net.Socket()) {
            s.connect(tcp, 15_000);
            s.setSoTimeout(15_000);
            var out = new java.io.DataOutputStream(s.getOutputStream());
            byte[] q = encode(42, name, type, 0);
            out.writeShort(q.length);
            out.write(q);
            out.flush();
            return readTcp(new java.io.DataInputStream(s.getInputStream()));
        }
    }

    /** One length-prefixed answer from a TCP stream. */
    static Answer readTcp(java.io.DataInputStream in) throws IOException {
        int len = in.readUnsignedShort();
        byte[] m = new byte[len];
        in.readFully(m);
        return parse(m);
    }

    Answer query(String name, DnsRecordType type) throws IOException {
        int id = (name.hashCode() & 0x7fff) + 1;
        send(id, name, type);
        var a = receive();
        if (a.id() != id) {
            throw new IllegalStateException("answer for id " + a.id() + ", asked " + id);
        }
        return a;
    }

    /** Uncompressed name in RDATA (our server and Netty's encoder write PTR targets uncompressed). */
    private static String decodeName(byte[] b) {
        var sb = new StringBuilder();
        int i = 0;
        while (i < b.length && b[i] != 0) {
            int len = b[i++];
            sb.append(new String(b, i, len, java.nio.charset.StandardCharsets.US_ASCII)).append('.');
            i += len;
        }
        return sb.toString();
    }

    @Override
    public void close() {
        socket.close();
    }
}
