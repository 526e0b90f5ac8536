package io.jswarm.vxlan.netlink;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Datagram transport to the kernel's rtnetlink: the real {@link NetlinkSocket}, or a fake in tests that
 * answers, drops or overruns on purpose. Not thread-safe; {@link NetlinkChannel} serialises use.
 */
interface Transport extends AutoCloseable {

    /** Sends one datagram holding one or more complete netlink messages (position to limit). */
    void send(ByteBuffer datagram) throws IOException;

    /**
     * Receives one datagram into {@code dst}, which is cleared first and flipped after: position 0, limit
     * the datagram's length. With {@code dontWait} returns {@code false} when nothing is queued.
     *
     * @throws OverrunException when the kernel dropped messages because the receive buffer was full (ENOBUFS)
     */
    boolean receive(ByteBuffer dst, boolean dontWait) throws IOException;

    /** How many bytes the kernel may queue for us; batches are sized to fit. */
    int receiveBufferSize();

    /** Idempotent. */
    @Override
    void close();

    /** The receive buffer overflowed (ENOBUFS): some answers are lost; the socket stays usable. */
    final class OverrunException extends IOException {
        public OverrunException() {
            super("netlink receive buffer overrun (ENOBUFS): answers were lost");
        }
    }
}
