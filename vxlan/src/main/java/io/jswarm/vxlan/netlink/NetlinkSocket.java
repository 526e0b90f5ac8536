package io.jswarm.vxlan.netlink;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An AF_NETLINK/NETLINK_ROUTE socket bound to the namespace of the thread that opened it (see
 * {@link Namespaces#callIn}). Extended acks are on, acks are capped (errors do not echo the request), and
 * the buffers are raised so that a batch of thousands of requests fits.
 *
 * <p>Buffers live in a shared arena because the socket is used from whichever thread holds the
 * channel's lock. Not thread-safe by itself.
 */
final class NetlinkSocket implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(NetlinkSocket.class);
    /**
     * The largest datagram read. The kernel sizes dump datagrams by the reader's buffer but caps them at
     * 32 KiB ({@code SKB_WITH_OVERHEAD(32768)} in af_netlink.c), and acks carry no request echo (CAP_ACK), so
     * 64 KiB is ample; a longer datagram is reported, never silently cut (MSG_TRUNC). Every namespace has a
     * session, a daemon with 20 sandboxes 22, each holding this buffer twice (native here, heap in the channel).
     */
    private static final int RECEIVE_CHUNK = 64 * 1024;
    static final long RECEIVE_TIMEOUT_SECONDS = 30;
    private static final int NETLINK_ADD_MEMBERSHIP = 1;

    private final int fd;
    private final long receiveTimeoutSeconds;
    private final int receiveBufferSize;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment receiveSegment;
    private MemorySegment sendSegment;
    private boolean closed;

    private NetlinkSocket(int fd, int receiveBufferSize, long receiveTimeoutSeconds) {
        this.fd = fd;
        this.receiveTimeoutSeconds = receiveTimeoutSeconds;
        this.receiveBufferSize = receiveBufferSize;
        this.receiveSegment = arena.allocate(RECEIVE_CHUNK, 8);
        this.sendSegment = arena.allocate(64 * 1024, 8);
    }

    /** Opens a NETLINK_ROUTE socket in the calling thread's network namespace. */
    static NetlinkSocket open(int receiveBuffer, int sendBuffer) throws IOException {
        return open(Libc.NETLINK_ROUTE, receiveBuffer, sendBuffer, RECEIVE_TIMEOUT_SECONDS);
    }

    /**
     * Opens a socket of netlink {@code protocol} (NETLINK_ROUTE, NETLINK_XFRM) in the calling thread's network
     * namespace; a blocking receive gives up after {@code receiveTimeoutSeconds}.
     */
    static NetlinkSocket open(int protocol, int receiveBuffer, int sendBuffer, long receiveTimeoutSeconds)
            throws IOException {
        int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol);
        try {
            forceBuffer(fd, Libc.SO_RCVBUFFORCE, Libc.SO_RCVBUF, receiveBuffer);
            forceBuffer(fd, Libc.SO_SNDBUFFORCE, Libc.SO_SNDBUF, sendBuffer);
            Libc.setsockopt(fd, Libc.SOL_NETLINK, Libc.NETLINK_EXT_ACK, 1);
            Libc.setsockopt(fd, Libc.SOL_NETLINK, Libc.NETLINK_CAP_ACK, 1);
            Libc.setReceiveTimeout(fd, receiveTimeoutSeconds);
            Libc.bindNetlink(fd);
            int actual = Libc.getsockoptInt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF);
            LOG.debug("netlink socket fd {} open, receive buffer {} bytes", fd, actual);
            return new NetlinkSocket(fd, actual, receiveTimeoutSeconds);
        } catch (IOException | RuntimeException e) {
            closeQuietly(fd);
            throw e;
        }
    }

    /** The *FORCE options need CAP_NET_ADMIN; without it the plain option (capped by rmem_max) still helps. */
    private static void forceBuffer(int fd, int force, int plain, int bytes) throws ErrnoException {
        try {
            Libc.setsockopt(fd, Libc.SOL_SOCKET, force, bytes);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EPERM) {
                throw e;
            }
            Libc.setsockopt(fd, Libc.SOL_SOCKET, plain, bytes);
        }
    }

    @Override
    public void send(ByteBuffer datagram) throws IOException {
        checkOpen();
        int length = datagram.remaining();
        if (sendSegment.byteSize() < length) {
            sendSegment = arena.allocate(Math.max(length, sendSegment.byteSize() * 2), 8);
        }
        MemorySegment.copy(MemorySegment.ofBuffer(datagram), 0, sendSegment, 0, length);
        long sent = Libc.send(fd, sendSegment, length);
        if (sent != length) {
            throw new IOException("netlink sendto sent " + sent + " of " + length + " bytes");
        }
        datagram.position(datagram.limit());
    }

    /** Subscribes to multicast {@code group} (NETLINK_ADD_MEMBERSHIP), e.g. XFRMNLGRP_EXPIRE. */
    void joinGroup(int group) throws ErrnoException {
        Libc.setsockopt(fd, Libc.SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group);
    }

    @Override
    public boolean receive(ByteBuffer dst, boolean dontWait) throws IOException {
        if (!receiveOrTimeout(dst, dontWait)) {
            if (dontWait) {
                return false;
            }
            throw new IOException("netlink: no answer from the kernel within " + receiveTimeoutSeconds + " s");
        }
        return true;
    }

    /** A blocking receive that answers {@code false} when the receive timeout passed (a reader's chance to stop). */
    boolean await(ByteBuffer dst) throws IOException {
        return receiveOrTimeout(dst, false);
    }

    /** False on EAGAIN: nothing queued (dontWait) or the receive timeout passed. */
    private boolean receiveOrTimeout(ByteBuffer dst, boolean dontWait) throws IOException {
        checkOpen();
        long n;
        try {
            n = Libc.recv(fd, receiveSegment, RECEIVE_CHUNK, Libc.MSG_TRUNC | (dontWait ? Libc.MSG_DONTWAIT : 0));
        } catch (ErrnoException e) {
            return switch (e.errno()) {
                case Errno.ENOBUFS -> throw new OverrunException();
                case Errno.EAGAIN -> false;
                case Errno.EINTR -> receiveOrTimeout(dst, dontWait);
                default -> throw e;
            };
        }
        if (n > RECEIVE_CHUNK) {
            throw new IOException("netlink datagram of " + n + " bytes exceeds the " + RECEIVE_CHUNK + "-byte buffer");
        }
        if (dst.capacity() < n) {
            throw new IOException("receive buffer of " + dst.capacity() + " bytes too small for " + n);
        }
        dst.clear();
        MemorySegment.copy(receiveSegment, ValueLayout.JAVA_BYTE, 0, dst.array(), dst.arrayOffset(), (int) n);
        dst.limit((int) n);
        return true;
    }

    @Override
    public int receiveBufferSize() {
        return receiveBufferSize;
    }

    static int maxDatagram() {
        return RECEIVE_CHUNK;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(fd);
        arena.close();
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("netlink socket closed");
        }
    }

    private static void closeQuietly(int fd) {
        try {
            Libc.close(fd);
        } catch (ErrnoException e) {
            LOG.warn("closing netlink socket fd {}: {}", fd, e.getMessage());
        }
    }
}
