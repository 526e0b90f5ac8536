package io.jswarm.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Forwards queries for non-local names to the upstreams over its own client channel, asynchronously: a slow
 * or dead upstream only delays that one query, never the sandbox's other lookups. Each query gets a fresh
 * random id; upstreams are tried in order, each for its share of the total timeout, then SERVFAIL. The
 * upstream's answer is relayed as raw bytes with the client's id restored, so every record type and flag
 * survives untouched (cut to the client's limit with TC set if it is longer). Upstreams are asked over UDP;
 * a truncated answer to a TCP client is asked for again over TCP ({@link TcpRetry}), as Docker does. All
 * state is confined to the one event loop of the server's channels.
 */
final class Forwarder extends SimpleChannelInboundHandler<DatagramPacket> {

    private record Pending(int clientId, boolean rd, DnsQuestion question, Reply reply, int upstream,
                           long deadlineNanos, ScheduledFuture<?> timer) {
    }

    private final DnsConfig config;
    private final Map<Integer, Pending> pending = new HashMap<>();
    /** Upstream TCP retries in flight (bounded like {@code pending}). */
    private int tcpRetries;
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

    /** Called on the event loop; the question is copied (the query it came from is released after). */
    void forward(int clientId, boolean rd, DnsQuestion question, Reply reply) {
        if (client == null || pending.size() + tcpRetries >= config.maxPending()) {
            QueryHandler.send(reply, clientId, rd, question, DnsResponseCode.SERVFAIL, List.of());
            return;
        }
        var q = new DefaultDnsQuestion(question.name(), question.type(), question.dnsClass());
        send(new Pending(clientId, rd, q, reply, 0, System.nanoTime() + config.forwardTimeout().toNanos(), null));
    }

    private void send(Pending p) {
        int id = freeId();
        long now = System.nanoTime();
        int left = config.upstreams().size() - p.upstream();
        long slice = Math.max(0, (p.deadlineNanos() - now) / left);
        ByteBuf out;
        try {
            out = Wire.query(client.alloc(), id, p.question());
        } catch (IllegalArgumentException e) {
            QueryHandler.send(p.reply(), p.clientId(), p.rd(), p.question(), DnsResponseCode.SERVFAIL, List.of());
            return;
        }
        ScheduledFuture<?> timer = client.eventLoop().schedule(() -> expire(id), slice, TimeUnit.NANOSECONDS);
        pending.put(id, new Pending(p.clientId(), p.rd(), p.question(), p.reply(), p.upstream(), p.deadlineNanos(), timer));
        client.writeAndFlush(new DatagramPacket(out, config.upstreams().get(p.upstream())));
    }

    private void expire(int id) {
        Pending p = pending.remove(id);
        if (p == null) {
            return;
        }
        if (p.upstream() + 1 < config.upstreams().size() && System.nanoTime() < p.deadlineNanos()) {
            send(new Pending(p.clientId(), p.rd(), p.question(), p.reply(), p.upstream() + 1, p.deadlineNanos(), null));
        } else {
            QueryHandler.send(p.reply(), p.clientId(), p.rd(), p.question(), DnsResponseCode.SERVFAIL, List.of());
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        ByteBuf content = packet.content();
        if (content.readableBytes() < Wire.HEADER) {
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
        content.setShort(content.readerIndex(), p.clientId());
        boolean truncated = (content.getUnsignedByte(content.readerIndex() + 2) & 0x02) != 0;
        if (truncated && p.reply() instanceof Reply.Tcp && tcpRetries < config.maxPending()) {
            tcpRetries++;
            TcpRetry.start(client.eventLoop(), packet.sender(), p.question(), p.clientId(), p.reply(), content.retain(),
                    p.deadlineNanos(), () -> tcpRetries--);
            return;
        }
        p.reply().send(content.retain());
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
