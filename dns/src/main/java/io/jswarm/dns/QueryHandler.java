package io.jswarm.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DefaultDnsPtrRecord;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Answers one sandbox's queries on its event loop, for UDP ({@link DatagramDnsQuery}) and TCP alike: A and
 * PTR from the {@link NameLookup}, everything else forwarded (or NXDOMAIN when there are no upstreams, REFUSED
 * when the lookup does not forward: a sandbox on internal networks only). Every
 * query gets an answer: one that cannot be encoded becomes SERVFAIL, never silence.
 */
final class QueryHandler extends SimpleChannelInboundHandler<DnsQuery> {

    private final NameLookup lookup;
    private final DnsConfig config;
    private final Forwarder forwarder;

    QueryHandler(NameLookup lookup, DnsConfig config, Forwarder forwarder) {
        super(DnsQuery.class);
        this.lookup = lookup;
        this.config = config;
        this.forwarder = forwarder;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DnsQuery query) {
        Reply reply = reply(ctx, query);
        try {
            answer(query, reply);
        } catch (RuntimeException e) {
            // E.g. a record a lookup returned that Netty refuses to build: still an answer.
            send(reply, query, null, DnsResponseCode.SERVFAIL, List.of());
        }
    }

    private void answer(DnsQuery query, Reply reply) {
        if (query.opCode() != DnsOpCode.QUERY) {
            send(reply, query, null, DnsResponseCode.NOTIMP, List.of());
            return;
        }
        if (query.count(DnsSection.QUESTION) != 1) {
            send(reply, query, null, DnsResponseCode.FORMERR, List.of());
            return;
        }
        DnsQuestion question = query.recordAt(DnsSection.QUESTION);
        String name = DnsNames.normalise(question.name());
        if (question.dnsClass() == DnsRecord.CLASS_IN) {
            if (question.type() == DnsRecordType.PTR) {
                Optional<InetAddress> address = ReverseNames.parse(name);
                Optional<String> host = address.flatMap(lookup::name).filter(DnsNames::isHostName);
                if (host.isPresent()) {
                    send(reply, query, question, DnsResponseCode.NOERROR, List.of(new DefaultDnsPtrRecord(
                            question.name(), DnsRecord.CLASS_IN, config.ttlSeconds(), host.get() + ".")));
                    return;
                }
                if (address.isPresent() && lookup.isLocal(address.get())) {
                    // Ours, but its name is no host name: a clear "no name", not a leak to the host's resolvers.
                    send(reply, query, question, DnsResponseCode.NXDOMAIN, List.of());
                    return;
                }
            } else {
                List<Inet4Address> ips = lookup.addresses(name);
                if (!ips.isEmpty()) {
                    List<DnsRecord> answers = new ArrayList<>();
                    if (question.type() == DnsRecordType.A) {
                        for (InetAddress ip : ips) {
                            answers.add(new DefaultDnsRawRecord(question.name(), DnsRecordType.A, config.ttlSeconds(),
                                    Unpooled.wrappedBuffer(ip.getAddress())));
                        }
                    }
                    // Other types of a local name (AAAA, MX ...): NOERROR without answers, as Docker does, so
                    // the query neither leaks to the host's resolvers nor reads as "no such name".
                    send(reply, query, question, DnsResponseCode.NOERROR, answers);
                    return;
                }
            }
        }
        if (!lookup.forwards()) {
            // Internal networks only: nothing leaves for the host's resolvers. REFUSED ("not for policy
            // reasons"), so a client neither waits for a timeout nor caches the name as non-existent.
            send(reply, query, question, DnsResponseCode.REFUSED, List.of());
            return;
        }
        if (config.upstreams().isEmpty()) {
            send(reply, query, question, DnsResponseCode.NXDOMAIN, List.of());
            return;
        }
        forwarder.forward(query.id(), query.isRecursionDesired(), question, reply);
    }

    /** UDP answers go back to the sender within 512 bytes or its EDNS0 size; TCP ones down the connection. */
    private static Reply reply(ChannelHandlerContext ctx, DnsQuery query) {
        int ednsSize = 0;
        for (int i = 0; i < query.count(DnsSection.ADDITIONAL); i++) {
            DnsRecord r = query.recordAt(DnsSection.ADDITIONAL, i);
            if (r.type() == DnsRecordType.OPT) {
                ednsSize = r.dnsClass(); // an OPT record's class is the requestor's UDP payload size
            }
        }
        boolean edns = ednsSize > 0;
        if (query instanceof DatagramDnsQuery udp) {
            int limit = Math.clamp(ednsSize, Wire.UDP_DEFAULT, Wire.UDP_MAX);
            return new Reply.Udp(ctx.channel(), udp.sender(), limit, edns);
        }
        return new Reply.Tcp(ctx.channel(), edns);
    }

    static void send(Reply reply, DnsQuery query, DnsQuestion question, DnsResponseCode code, List<DnsRecord> answers) {
        send(reply, query.id(), query.isRecursionDesired(), question, code, answers);
    }

    /** Encodes and sends; if the answer cannot be encoded (a name no encoder takes), SERVFAIL goes instead. */
    static void send(Reply reply, int id, boolean rd, DnsQuestion question, DnsResponseCode code,
                     List<? extends DnsRecord> answers) {
        ByteBufAllocator alloc = reply.channel().alloc();
        ByteBuf out;
        try {
            out = Wire.response(alloc, id, rd, code, question, answers, reply.limit(), reply.edns());
        } catch (IllegalArgumentException e) {
            out = Wire.response(alloc, id, rd, DnsResponseCode.SERVFAIL, null, List.of(), reply.limit(), reply.edns());
        } finally {
            answers.forEach(io.netty.util.ReferenceCountUtil::release);
        }
        reply.send(out);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A malformed datagram must not close the only UDP channel: drop it. A TCP client that sent garbage
        // loses its connection (framing is lost).
        if (!(ctx.channel() instanceof io.netty.channel.socket.DatagramChannel)) {
            ctx.close();
        }
    }
}
