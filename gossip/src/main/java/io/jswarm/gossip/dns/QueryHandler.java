package io.jswarm.gossip.dns;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DefaultDnsPtrRecord;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Answers one sandbox's queries on the server channel's event loop: A and PTR from the {@link NameLookup},
 * everything else forwarded (or NXDOMAIN when there are no upstreams).
 */
final class QueryHandler extends SimpleChannelInboundHandler<DatagramDnsQuery> {

    private final NameLookup lookup;
    private final DnsConfig config;
    private final Forwarder forwarder;

    QueryHandler(NameLookup lookup, DnsConfig config, Forwarder forwarder) {
        super(DatagramDnsQuery.class);
        this.lookup = lookup;
        this.config = config;
        this.forwarder = forwarder;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
        if (query.opCode() != DnsOpCode.QUERY) {
            ctx.writeAndFlush(response(query, null, DnsResponseCode.NOTIMP));
            return;
        }
        if (query.count(DnsSection.QUESTION) != 1) {
            ctx.writeAndFlush(response(query, null, DnsResponseCode.FORMERR));
            return;
        }
        DnsQuestion question = query.recordAt(DnsSection.QUESTION);
        String name = normalise(question.name());
        if (question.dnsClass() == DnsRecord.CLASS_IN) {
            if (question.type() == DnsRecordType.PTR) {
                Optional<String> host = ReverseNames.parse(name).flatMap(lookup::name);
                if (host.isPresent()) {
                    var r = response(query, question, DnsResponseCode.NOERROR);
                    r.addRecord(DnsSection.ANSWER, new DefaultDnsPtrRecord(question.name(), DnsRecord.CLASS_IN,
                            config.ttlSeconds(), host.get() + "."));
                    ctx.writeAndFlush(r);
                    return;
                }
            } else {
                List<Inet4Address> ips = lookup.addresses(name);
                if (!ips.isEmpty()) {
                    var r = response(query, question, DnsResponseCode.NOERROR);
                    if (question.type() == DnsRecordType.A) {
                        for (InetAddress ip : ips) {
                            r.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.A,
                                    config.ttlSeconds(), Unpooled.wrappedBuffer(ip.getAddress())));
                        }
                    }
                    // Other types of a local name (AAAA, MX ...): NOERROR without answers, as Docker does, so
                    // the query neither leaks to the host's resolvers nor reads as "no such name".
                    ctx.writeAndFlush(r);
                    return;
                }
            }
        }
        if (config.upstreams().isEmpty()) {
            ctx.writeAndFlush(response(query, question, DnsResponseCode.NXDOMAIN));
            return;
        }
        forwarder.forward(query, question, ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A malformed datagram must not close the only server channel; drop it.
    }

    static DatagramDnsResponse response(DatagramDnsQuery query, DnsQuestion question, DnsResponseCode code) {
        var r = new DatagramDnsResponse(query.recipient(), query.sender(), query.id(), DnsOpCode.QUERY, code);
        r.setRecursionDesired(query.isRecursionDesired());
        r.setRecursionAvailable(true);
        if (question != null) {
            r.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(question.name(), question.type(), question.dnsClass()));
        }
        return r;
    }

    /** Names match case-insensitively, with or without the trailing dot. */
    static String normalise(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}
