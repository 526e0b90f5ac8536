package io.jswarm.gossip.transport;

/**
 * Connection-level signals for the fast death detector. Called on the transport's event-loop thread; must
 * not block.
 */
public interface TransportListener {
    /** An authenticated connection with {@code nodeId} closed without us closing it. */
    void onPeerDisconnected(String nodeId);

    /** A connect to {@code address} ("ip:port") was actively refused (RST: nothing listens there). */
    void onConnectRefused(String address);

    TransportListener NONE = new TransportListener() {
        @Override
        public void onPeerDisconnected(String nodeId) {}

        @Override
        public void onConnectRefused(String address) {}
    };
}
