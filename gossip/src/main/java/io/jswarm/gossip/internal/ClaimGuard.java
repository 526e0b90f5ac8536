package io.jswarm.gossip.internal;

import io.jswarm.gossip.internal.RecordClaims.Drop;
import io.jswarm.gossip.internal.RecordClaims.Forgery;
import io.jswarm.gossip.internal.RecordClaims.Hint;
import io.jswarm.gossip.internal.RecordClaims.Verdict;
import io.jswarm.gossip.transport.InboundFilter;
import io.jswarm.gossip.wire.MetadataCodecs;
import io.scalecube.cluster.Member;
import io.scalecube.cluster.fdetector.FailureDetectorImpl;
import io.scalecube.cluster.gossip.GossipProtocolImpl;
import io.scalecube.cluster.gossip.JswarmWireAccess.GossipItem;
import io.scalecube.cluster.membership.MemberStatus;
import io.scalecube.cluster.membership.MembershipProtocolImpl;
import io.scalecube.cluster.metadata.MetadataStoreImpl;
import io.scalecube.cluster.transport.api.Message;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * Checks every scalecube message from the wire against the identity its connection proved before scalecube
 * sees it (a member speaks only for itself; the record rules are {@link RecordClaims}):
 * <ul>
 *   <li>SYNC, SYNC_ACK: records that fail the rules are taken out; the rest is delivered (a SYNC is still
 *       answered).</li>
 *   <li>GOSSIP_REQ: its {@code from} must be the sender; a gossip item stays only if its record passes.</li>
 *   <li>PING, PING_REQ: {@code from} must be the sender (a relay pings as itself). PING_ACK: never DEST_GONE
 *       (scalecube would remove the member at once on that word); one travelling back to a relay must come
 *       from the pinged member itself.</li>
 *   <li>GET_METADATA_RESP: the metadata of member X only from X.</li>
 * </ul>
 * A dropped claim is counted ({@code jswarm.gossip.claims.dropped{kind}}) and logged sampled ({@link ForgeryLog}); a
 * claim that X is dead, suspect or leaving starts at most this node's own check of X ({@code onHint}, at most
 * once per {@code hintInterval} per member). Confined to the transport's event-loop thread.
 */
public final class ClaimGuard implements InboundFilter {
    private final RecordClaims claims;
    private final ForgeryLog log;
    private final BiConsumer<String, Hint> onHint;
    private final BiConsumer<String, Integer> onSuspect;
    private final long hintIntervalNanos;
    private final LongSupplier nanos;
    private final Map<String, Long> lastHint = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > 4096;
        }
    };

    /**
     * @param onHint    (member id, hint) for a dropped claim worth checking ourselves; must not block
     * @param onSuspect (member id, incarnation) of every SUSPECT record let through (metrics); must not block
     */
    public ClaimGuard(RecordClaims claims, ForgeryLog log, Duration hintInterval, LongSupplier nanos,
                      BiConsumer<String, Hint> onHint, BiConsumer<String, Integer> onSuspect) {
        this.claims = Objects.requireNonNull(claims);
        this.log = Objects.requireNonNull(log);
        this.hintIntervalNanos = hintInterval.toNanos();
        this.nanos = Objects.requireNonNull(nanos);
        this.onHint = Objects.requireNonNull(onHint);
        this.onSuspect = Objects.requireNonNull(onSuspect);
    }

    /** The daemon's guard for node {@code selfId}: one refutation per sender and second, logs every 10 s. */
    public static ClaimGuard standard(String selfId, io.micrometer.core.instrument.MeterRegistry registry,
                                      BiConsumer<String, Hint> onHint, BiConsumer<String, Integer> onSuspect) {
        LongSupplier clock = System::nanoTime;
        return new ClaimGuard(new RecordClaims(selfId, Duration.ofSeconds(1), clock),
                new ForgeryLog(registry, Duration.ofSeconds(10), clock), Duration.ofSeconds(1), clock, onHint, onSuspect);
    }

    @Override
    public Message admit(String peer, InetSocketAddress remote, Message m) {
        if (peer == null) {
            return null; // PeerGate lets nothing through before the handshake; defence in depth
        }
        InetAddress peerIp = remote == null ? null : remote.getAddress();
        String q = m.qualifier();
        if (MembershipProtocolImpl.SYNC.equals(q) || MembershipProtocolImpl.SYNC_ACK.equals(q)) {
            return sync(peer, peerIp, m);
        }
        if (GossipProtocolImpl.GOSSIP_REQ.equals(q)) {
            return gossip(peer, peerIp, m);
        }
        if (FailureDetectorImpl.PING.equals(q) || FailureDetectorImpl.PING_REQ.equals(q)) {
            return io.scalecube.cluster.fdetector.JswarmWireAccess.from(m.data()).id().equals(peer)
                    ? m : drop(peer, Forgery.IDENTITY, q);
        }
        if (FailureDetectorImpl.PING_ACK.equals(q)) {
            return pingAck(peer, m);
        }
        if (MetadataStoreImpl.GET_METADATA_RESP.equals(q)) {
            return io.scalecube.cluster.metadata.JswarmWireAccess.responseMember(m.data()).id().equals(peer)
                    ? m : drop(peer, Forgery.IDENTITY, q);
        }
        return m; // GET_METADATA_REQ: a question about ourselves, claims nothing
    }

    private Message sync(String peer, InetAddress peerIp, Message m) {
        var records = io.scalecube.cluster.membership.JswarmWireAccess.syncRecords(m.data());
        List<Object> kept = new ArrayList<>(records.size());
        for (Object r : records) {
            if (passes(peer, peerIp, r)) {
                kept.add(r);
            }
        }
        if (kept.size() == records.size()) {
            return m;
        }
        return Message.with(m).data(io.scalecube.cluster.membership.JswarmWireAccess.syncData(kept)).build();
    }

    private Message gossip(String peer, InetAddress peerIp, Message m) {
        Object request = m.data();
        if (!io.scalecube.cluster.gossip.JswarmWireAccess.from(request).equals(peer)) {
            return drop(peer, Forgery.IDENTITY, m.qualifier());
        }
        List<GossipItem> items = io.scalecube.cluster.gossip.JswarmWireAccess.gossips(request);
        List<GossipItem> kept = new ArrayList<>(items.size());
        for (GossipItem g : items) {
            // The gossiper id is a claim too (a relay forwards others' gossips): only the record is judged.
            // Dropping the whole item keeps its sequence id unseen, so a later genuine copy is still taken.
            if (passes(peer, peerIp, g.message().data())) {
                kept.add(g);
            }
        }
        if (kept.size() == items.size()) {
            return m;
        }
        return Message.with(m).data(io.scalecube.cluster.gossip.JswarmWireAccess.gossipRequest(kept, peer)).build();
    }

    private Message pingAck(String peer, Message m) {
        Object ping = m.data();
        if (io.scalecube.cluster.fdetector.JswarmWireAccess.ack(ping)
                == io.scalecube.cluster.fdetector.JswarmWireAccess.Ack.DEST_GONE) {
            // "someone else answers at X's address": scalecube removes X on it; our own timeouts decide instead
            return drop(peer, Forgery.DEST_GONE, io.scalecube.cluster.fdetector.JswarmWireAccess.to(ping).id());
        }
        boolean toRelay = io.scalecube.cluster.fdetector.JswarmWireAccess.originalIssuer(ping) != null;
        if (toRelay && !io.scalecube.cluster.fdetector.JswarmWireAccess.to(ping).id().equals(peer)) {
            return drop(peer, Forgery.IDENTITY, m.qualifier());
        }
        return m;
    }

    private boolean passes(String peer, InetAddress peerIp, Object record) {
        Member member = io.scalecube.cluster.membership.JswarmWireAccess.recordMember(record);
        MemberStatus status = io.scalecube.cluster.membership.JswarmWireAccess.recordStatus(record);
        int incarnation = io.scalecube.cluster.membership.JswarmWireAccess.recordIncarnation(record);
        InetAddress subjectIp;
        try {
            subjectIp = MetadataCodecs.parseAddress(member.address()).getAddress();
        } catch (IllegalArgumentException e) {
            subjectIp = null; // never equal to a connection's address: not the member's own word
        }
        Verdict v = claims.judge(peer, peerIp, member.id(), subjectIp, status, incarnation);
        return switch (v) {
            case RecordClaims.Admit a -> {
                if (status == MemberStatus.SUSPECT) {
                    onSuspect.accept(member.id(), incarnation);
                }
                yield true;
            }
            case Drop d -> {
                drop(peer, d.forgery(), member.id());
                hint(member.id(), d.hint());
                yield false;
            }
        };
    }

    private void hint(String memberId, Hint hint) {
        if (hint == Hint.NONE) {
            return;
        }
        long now = nanos.getAsLong();
        Long last = lastHint.get(memberId);
        if (last == null || now - last >= hintIntervalNanos) {
            lastHint.put(memberId, now);
            onHint.accept(memberId, hint);
        }
    }

    private Message drop(String peer, Forgery forgery, String about) {
        log.dropped(peer, forgery, about);
        return null;
    }
}
