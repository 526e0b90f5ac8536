package io.jswarm.gossip.transport;

import io.scalecube.cluster.transport.api.Message;
import java.net.InetSocketAddress;

/**
 * What may reach scalecube from the wire: every decoded scalecube message passes here first, with the identity
 * the connection proved (the node id of the peer's verified certificate) and the connection's remote address.
 * Messages handed in locally ({@link TlsTransport#injectLocal}) never do. Called on the transport's one
 * event-loop thread: must not block, and may keep state without locks.
 */
@FunctionalInterface
public interface InboundFilter {
    /** @return the message to deliver (possibly with some of its content removed), or null to drop it */
    Message admit(String peer, InetSocketAddress remote, Message message);

    InboundFilter NONE = (peer, remote, message) -> message;
}
