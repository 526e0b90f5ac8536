package io.scalecube.cluster.gossip;

import io.scalecube.cluster.transport.api.Message;
import java.util.List;

/**
 * jswarm's access to scalecube's package-private gossip payloads (see the membership twin for why).
 * Pinned to scalecube 2.7.7.
 */
public final class JswarmWireAccess {
    private JswarmWireAccess() {}

    /** One gossip, as plain values. */
    public record GossipItem(String gossiperId, Message message, long sequenceId) {}

    public static boolean isGossipRequest(Object o) {
        return o instanceof GossipRequest;
    }

    public static Object gossipRequest(List<GossipItem> gossips, String from) {
        return new GossipRequest(gossips.stream()
                .map(g -> new Gossip(g.gossiperId(), g.message(), g.sequenceId())).toList(), from);
    }

    public static List<GossipItem> gossips(Object request) {
        return ((GossipRequest) request).gossips().stream()
                .map(g -> new GossipItem(g.gossiperId(), g.message(), g.sequenceId())).toList();
    }

    public static String from(Object request) {
        return ((GossipRequest) request).from();
    }
}
