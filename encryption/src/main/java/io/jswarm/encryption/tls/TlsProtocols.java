package io.jswarm.encryption.tls;

/**
 * The TLS versions every jswarm endpoint speaks (manager API on 2377, gossip on 7946): TLS 1.3 only, the
 * JDK's provider (one TLS stack to reason about; the handshake rules are the JDK's PKIX).
 */
public final class TlsProtocols {
    private static final String[] TLS13 = {"TLSv1.3"};

    private TlsProtocols() {
    }

    /** A fresh copy each call: callers hand it to builders that may keep the array. */
    public static String[] enabled() {
        return TLS13.clone();
    }
}
