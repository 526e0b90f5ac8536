package io.jswarm.manager.ipam;

/**
 * A request the allocators refuse (overlap, exhaustion, address in use, out of range). Checked, so that
 * every caller turns it into a refusal deliberately; the message is the user-facing, Docker-like text.
 */
public final class IpamException extends Exception {
    public IpamException(String message) {
        super(message);
    }
}
