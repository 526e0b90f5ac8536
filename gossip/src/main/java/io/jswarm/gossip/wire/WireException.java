package io.jswarm.gossip.wire;

/** A frame that jswarm refuses to encode or decode; the connection it came from is closed. */
public final class WireException extends RuntimeException {
    public WireException(String message) {
        super(message);
    }
}
