package io.jswarm.gossip.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Forwards queries for non-local names to the upstreams over its own client channel, asynchronously: a slow
 * or dead upstream only delays that one query, never the sandbox's other lookups. Each query gets a fresh
 * random id; upstreams are tried in order, each for its share of the total timeout, then SERVFAIL. The
 * upstream's answer is relayed as raw bytes with the client's id restored, so every record type and flag
 * survives untouched. All state is confined to the single event loop shared by both channels.
 */
final class Forwarder extends SimpleChannelInboundHandler<DatagramPacket> {

    private record Pending(DatagramDnsQuery original, DnsQuestion question, Channel server, int upstream,
                           long deadlineNanos, ScheduledFuture<?> timer) {
    }

    private final DnsConfig config;
    private final Map<Integer, Pending> pending = new HashMap<>();
    private Channel client;

    Forwarder(DnsConfig config) {
        super(DatagramPacket.class);
        this.config = config;
    }

    void client(Channel client) {
        this.client = client;
    }

    int pendingCount() {
        return pending.size();
    }

    /** Called on the event loop with the query still owned by the caller (its fields are copied here). */
    void forward(DatagramDnsQuery query, DnsQuestion question, Channel server) {
        if (client == null || pending.size() >= config.maxPending()) {
            server.writeAndFlush(QueryHandler.response(query, question, DnsResponseCode.SERVFAIL));
            return;
        }
        // Keep only what the answer needs: the client's address and id and the question.
        var original = new DatagramDnsQuery(query.sender(), query.recipient(), query.id());
        original.setRecursionDesired(query.isRecursionDesired());
        var q = new DefaultDnsQuestion(question.name(), question.type(), question.dnsClass());
        send(original, q, server, 0, System.nanoTime() + config.forwardTimeout().toNanos());
    }

    private void send(DatagramDnsQuery original, DnsQuestion question, Channel server, int upstream, long deadline) {
        int id = freeId();
        long now = System.nanoTime();
        int left = config.upstreams().size() - upstream;
        long slice = Math.max(0, (deadline - now) / left);
        ScheduledFuture<?> timer = client.eventLoop().schedule(() -> expire(id), slice, TimeUnit.NANOSECONDS);
        pending.put(id, new Pending(original, question, server, upstream, deadline, timer));
        var out = new DatagramDnsQuery(null, config.upstreams().get(upstream), id);
        out.setRecursionDesired(true);
        out.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(question.name(), question.type(), question.dnsClass()));
        client.writeAndFlush(out);
    }

    private void expire(int id) {
        Pending p = pending.remove(id);
        if (p == null) {
            return;
        }
        if (p.upstream() + 1 < config.upstreams().size() && System.nanoTime() < p.deadlineNanos()) {
            send(p.original(), p.question(), p.server(), p.upstream() + 1, p.deadlineNanos());
        } else {
            p.server().writeAndFlush(QueryHandler.response(p.original(), p.question(), DnsResponseCode.SERVFAIL));
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        ByteBuf content = packet.content();
        if (content.readableBytes() < 12) {
            return; // shorter than a DNS header
        }
        int id = content.getUnsignedShort(content.readerIndex());
        Pending p = pending.get(id);
        // Only the upstream we asked may answer that id (a cheap guard against stray or spoofed datagrams).
        if (p == null || !config.upstreams().get(p.upstream()).equals(packet.sender())) {
            return;
        }
        pending.remove(id);
        p.timer().cancel(false);
        content.setShort(content.readerIndex(), p.original().id());
        // Written from the first handler's context, i.e. past the response encoder: a DatagramPacket is an
        // AddressedEnvelope too, and DatagramDnsResponseEncoder would otherwise try (and fail) to encode it.
        p.server().pipeline().firstContext().writeAndFlush(new DatagramPacket(content.retain(), p.original().sender()));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // E.g. ICMP port unreachable from a dead upstream: the timer moves on to the next one.
    }

    /** Drops every pending query at shutdown: the channels are closing, so there is no one left to answer. */
    void failAll() {
        for (Pending p : pending.values()) {
            p.timer().cancel(false);
        }
        pending.clear();
    }

    private int freeId() {
        var rnd = ThreadLocalRandom.current();
        while (true) {
            int id = rnd.nextInt(0x10000);
            if (!pending.containsKey(id)) {
                return id;
            }
        }
    }
}
