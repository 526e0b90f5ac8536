package io.jswarm.gossip.internal;

import io.scalecube.cluster.Member;
import io.scalecube.cluster.membership.JswarmWireAccess;
import io.scalecube.cluster.membership.MemberStatus;
import io.scalecube.cluster.membership.MembershipProtocolImpl;
import io.scalecube.cluster.transport.api.Message;
import java.util.List;

/**
 * Turns a fast-path death confirmation into input scalecube understands: a local, unsolicited SYNC_ACK
 * carrying one DEAD record. scalecube's merge rule lets DEAD override any ALIVE/SUSPECT record, and for an
 * unsolicited SYNC_ACK it merges without re-gossiping, so only this node's view changes: it emits REMOVED,
 * stops pinging the member, clears its gossip sequence (so a restart is accepted), and a later ALIVE (new
 * process) is admitted through the normal metadata fetch. This never goes on the wire.
 */
public final class DeadVerdict {
    private DeadVerdict() {}

    public static Message syncAck(Member member, String localAddress) {
        Object dead = JswarmWireAccess.record(member, MemberStatus.DEAD, 0);
        return Message.withData(JswarmWireAccess.syncData(List.of(dead)))
                .qualifier(MembershipProtocolImpl.SYNC_ACK)
                .sender(localAddress)
                .build();
    }
}
