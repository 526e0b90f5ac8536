package io.jswarm.gossip.transport;

/** The outcome of one direct reconnect probe. */
public enum ProbeResult {
    /** Something accepted the TCP connection: the process (or at least its socket) is alive. */
    CONNECTED,
    /** The peer's kernel answered with RST: the host is up and nothing listens on the port. */
    REFUSED,
    /** No answer in time, or another error: no evidence either way. */
    INCONCLUSIVE;

    /** Whether a connect failed because the peer's kernel answered RST (nothing listens there). */
    static boolean isRefusal(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.net.ConnectException && String.valueOf(c.getMessage()).contains("Connection refused")) {
                return true;
            }
        }
        return false;
    }
}
