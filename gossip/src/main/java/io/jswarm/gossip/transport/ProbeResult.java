package io.jswarm.gossip.transport;

/** The outcome of one direct reconnect probe. */
public enum ProbeResult {
    /** Something accepted the TCP connection: the process (or at least its socket) is alive. */
    CONNECTED,
    /** The peer's kernel answered with RST: the host is up and nothing listens on the port. */
    REFUSED,
    /** No answer in time, or another error: no evidence either way. */
    INCONCLUSIVE
}
