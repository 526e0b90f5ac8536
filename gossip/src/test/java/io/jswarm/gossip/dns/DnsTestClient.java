package io.jswarm.gossip.dns;

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

    /** A parsed answer: rcode, id, the answer section's values (IPs or PTR names) and TTLs. */
    record Answer(int id, DnsResponseCode code, List<String> values, List<Long> ttls, String questionName) {
    }

    private final java.net.DatagramSocket socket;
    private final InetSocketAddress server;

    DnsTestClient(InetSocketAddress server) throws IOException {
        this.server = server;
        this.socket = new java.net.DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.socket.setSoTimeout(15_000); // generous: a lost answer fails the test, it does not hang it
    }

    void send(int id, String name, DnsRecordType type) throws IOException {
        var query = new DatagramDnsQuery(null, server, id).setRecursionDesired(true);
        query.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(name, type));
        var ch = new EmbeddedChannel(new DatagramDnsQueryEncoder());
        ch.writeOutbound(query);
        DatagramPacket packet = ch.readOutbound();
        byte[] bytes = ByteBufUtil.getBytes(packet.content());
        packet.release();
        ch.finishAndReleaseAll();
        socket.send(new java.net.DatagramPacket(bytes, bytes.length, server));
    }

    Answer receive() throws IOException {
        var buf = new byte[4096];
        var p = new java.net.DatagramPacket(buf, buf.length);
        socket.receive(p);
        ByteBuf content = Unpooled.copiedBuffer(buf, 0, p.getLength());
        var ch = new EmbeddedChannel(new DatagramDnsResponseDecoder());
        ch.writeInbound(new DatagramPacket(content, (InetSocketAddress) socket.getLocalSocketAddress(),
                (InetSocketAddress) p.getSocketAddress()));
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
            DnsRecord q = r.recordAt(DnsSection.QUESTION);
            return new Answer(r.id(), r.code(), values, ttls, q == null ? null : q.name());
        } finally {
            r.release();
            ch.finishAndReleaseAll();
        }
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
