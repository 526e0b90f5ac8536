package io.jswarm.gossip.internal;

import io.jswarm.gossip.MembershipConfig;
import io.jswarm.gossip.MembershipEvent;
import io.jswarm.gossip.transport.TlsTransport;
import io.jswarm.gossip.wire.MetadataCodecs;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport side of ending partitions quickly (see the package notes of {@code io.jswarm.gossip}): what a
 * removal, a suspicion and each rejoin round do to connections, with {@link Rejoiner} deciding whom. Nothing
 * here suspects or removes anyone: it only closes connections that may be stuck and asks for SYNCs. Confined
 * to the membership thread.
 */
public final class RejoinRounds {
    private static final Logger LOG = LoggerFactory.getLogger(RejoinRounds.class);

    private final Rejoiner rejoiner;
    private final TlsTransport transport;
    private final MembershipConfig config;
    private final List<String> seeds;

    public RejoinRounds(Rejoiner rejoiner, TlsTransport transport, MembershipConfig config) {
        this.rejoiner = rejoiner;
        this.transport = transport;
        this.config = config;
        this.seeds = config.seeds().stream().map(MetadataCodecs::format).toList();
    }

    /**
     * One round: for each target a fresh connect if the last one's SYN is still unanswered, an empty SYNC
     * asking for its table, and our table pushed to it ({@link RejoinSync}). During a partition this costs a SYN
     * per target and round; after the heal the first round that gets through admits both sides at once.
     *
     * @param alone whether this node has no admitted member (then the seeds are targets too)
     */
    public void round(boolean alone) {
        String local = transport.address();
        for (String target : rejoiner.targets(alone, seeds, local)) {
            boolean connected = transport.isConnected(target);
            transport.redial(target);
            transport.send(target, RejoinSync.request(local))
                    .subscribe(null, e -> LOG.debug("rejoin sync to {} failed: {}", target, e.toString()));
            transport.injectLocal(RejoinSync.pushTo(target));
            if (connected) {
                rejoiner.reached(target);
            }
        }
    }

    /** Runs for every membership event, before the listeners. */
    public void onEvent(MembershipEvent event) {
        String id = event.member().nodeId();
        if (event instanceof MembershipEvent.Removed r && r.cause() == MembershipEvent.Cause.SUSPICION_TIMEOUT) {
            // Its connections may be open but stuck in TCP backoff: nothing queued there may delay the return.
            // (Other causes: no connection is left, and closing again could hit a restarted process's new ones.)
            transport.disconnect(id);
            rejoiner.lost(id, MetadataCodecs.format(r.member().gossipAddress()));
        } else {
            rejoiner.settled(id); // back (Joined, Updated), or gone for good (left, evicted, confirmed dead)
        }
    }

    /**
     * A member (scalecube address {@code address}) is suspected at {@code incarnation}, the cluster having
     * {@code size} members with us. Once per suspicion: drop our connection to it (frames queued during a cut
     * may sit in TCP backoff past the suspicion timeout, turning a healed cut into a removal) and seek it for
     * about its suspicion timeout, which also hands it the SUSPECT record it must see to refute.
     */
    public void suspected(String nodeId, int incarnation, String address, int size) {
        int log2 = 32 - Integer.numberOfLeadingZeros(size); // ceil(log2(size + 1)), scalecube's formula
        Duration bound = config.pingInterval().multipliedBy((long) config.suspicionMult() * log2)
                .plus(config.syncInterval());
        if (rejoiner.suspected(nodeId, incarnation, address, bound)) {
            LOG.debug("member suspected node={} incarnation={}: fresh connection, sought for {}", nodeId,
                    incarnation, bound);
            transport.refresh(address);
        }
    }
}
