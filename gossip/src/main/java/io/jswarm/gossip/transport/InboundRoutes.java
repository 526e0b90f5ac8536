package io.jswarm.gossip.transport;

import io.jswarm.gossip.wire.MetadataCodecs;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verified inbound connections by the advertise address their peer named (scalecube's sender header), while
 * open, so that {@link TlsTransport} answers a peer over the connection it opened instead of a second
 * handshake and socket. The name is a claim, taken only when it is on the connection's own source IP (every
 * node dials from its advertise address), so a peer cannot take over the address of a node on another host;
 * the membership layer trusts the same claims. Table messages additionally check the verified node id.
 */
final class InboundRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(InboundRoutes.class);
    private static final AttributeKey<String> NAMED = AttributeKey.valueOf("jswarm.gossip.named");

    private final ConcurrentMap<String, Channel> byAddress = new ConcurrentHashMap<>();

    /** The open inbound connection whose peer named {@code address}, or null. */
    Channel to(String address) {
        Channel ch = byAddress.get(address);
        return ch != null && ch.isActive() ? ch : null;
    }

    /** Called for every scalecube message on a verified connection; acts on the first one of an inbound one. */
    void learn(Channel ch, String sender) {
        if (sender == null || ch.parent() == null || ch.hasAttr(NAMED)) {
            return; // no claim, or our own outbound connection (TlsTransport caches those by target)
        }
        ch.attr(NAMED).set(sender);
        InetSocketAddress claimed;
        try {
            claimed = MetadataCodecs.parseAddress(sender);
        } catch (IllegalArgumentException e) {
            return;
        }
        if (!(ch.remoteAddress() instanceof InetSocketAddress remote)
                || !remote.getAddress().equals(claimed.getAddress())) {
            LOG.debug("gossip peer {} named address {} from {}: not used for sending", ch.attr(PeerGate.PEER).get(),
                    sender, ch.remoteAddress());
            return;
        }
        byAddress.put(sender, ch);
        ch.closeFuture().addListener(c -> byAddress.remove(sender, ch));
    }
}
