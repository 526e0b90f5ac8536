package io.jswarm.gossip.internal;

import io.scalecube.cluster.membership.JswarmWireAccess;
import io.scalecube.cluster.membership.MembershipProtocolImpl;
import io.scalecube.cluster.transport.api.Message;
import java.util.List;

/**
 * The two halves of a rejoin exchange with a lost member, both plain scalecube SYNC traffic so that scalecube's
 * own merge rules decide everything (nothing here claims anything about any member):
 * <ul>
 *   <li>{@link #request}: an empty SYNC sent to the target. scalecube there merges nothing and answers with a
 *       SYNC_ACK carrying its whole table, which our scalecube merges: the target (and whoever it knows) is
 *       admitted through the normal metadata fetch.</li>
 *   <li>{@link #pushTo}: an empty SYNC injected locally as if the target had sent it, so that our scalecube
 *       answers the target with a SYNC_ACK carrying our whole table, our own record with its real
 *       incarnation included: the target admits us without waiting for its own round.</li>
 * </ul>
 * Neither has a correlation id, so both SYNC_ACKs are merged as periodic-sync answers (and re-gossiped).
 */
public final class RejoinSync {
    private RejoinSync() {}

    public static Message request(String localAddress) {
        return sync(localAddress);
    }

    public static Message pushTo(String target) {
        return sync(target);
    }

    private static Message sync(String sender) {
        return Message.withData(JswarmWireAccess.syncData(List.of()))
                .qualifier(MembershipProtocolImpl.SYNC)
                .sender(sender)
                .build();
    }
}
