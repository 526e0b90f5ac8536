package io.jswarm.gossip.replication;

import io.jswarm.gossip.table.Digest;
import io.jswarm.gossip.table.EndpointTable;
import io.jswarm.gossip.table.Page;
import io.jswarm.gossip.table.PageLimits;
import io.jswarm.gossip.table.TableCodec;
import io.jswarm.gossip.table.TableEvent;
import io.jswarm.proto.table.Restarting;
import io.jswarm.proto.table.TableMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Builders of the {@link TableMessage} kinds. */
final class TableMessages {
    private TableMessages() {
    }

    static TableMessage event(String networkId, TableEvent event) {
        return TableMessage.newBuilder().setNetworkId(networkId).setEvent(TableCodec.toProto(event)).build();
    }

    static TableMessage digest(String networkId, Digest digest, boolean reply) {
        return TableMessage.newBuilder().setNetworkId(networkId)
                .setDigest(TableCodec.toProto(networkId, digest).toBuilder().setReply(reply)).build();
    }

    /**
     * A digest (with reply) sized to the table, about 8 entries per bucket and at least {@code minBuckets}: a
     * differing bucket resends all its entries, so the resent volume stays proportional to what differs.
     */
    static TableMessage sizedDigest(EndpointTable t, int minBuckets) {
        int want = Math.max(minBuckets, Integer.highestOneBit(Math.max(1, t.size() / 8)) * 2);
        return digest(t.networkId(), t.digest(Math.min(want, Digest.MAX_BUCKETS)), true);
    }

    /** Bulk state as pages under {@code limits}, each its own message (never one giant frame). */
    static List<TableMessage> pages(String networkId, List<TableEvent> events, PageLimits limits) {
        var out = new ArrayList<TableMessage>();
        for (Page p : TableCodec.paginate(networkId, events, limits)) {
            out.add(TableMessage.newBuilder().setNetworkId(networkId).setPage(TableCodec.toProto(p)).build());
        }
        return out;
    }

    /** A burst of the sender's own changes: one message if it is one change, else batches under {@code limits}. */
    static List<TableMessage> events(String networkId, List<TableEvent> events, PageLimits limits) {
        if (events.size() == 1) {
            return List.of(event(networkId, events.getFirst()));
        }
        var out = new ArrayList<TableMessage>();
        for (Page p : TableCodec.paginate(networkId, events, limits)) {
            out.add(TableMessage.newBuilder().setNetworkId(networkId).setEvents(TableCodec.toProto(p)).build());
        }
        return out;
    }

    static TableMessage restarting(Duration grace) {
        return TableMessage.newBuilder()
                .setRestarting(Restarting.newBuilder().setGraceMillis(grace.toMillis())).build();
    }
}
