package io.jswarm.vxlan.netlink;

import static io.jswarm.vxlan.netlink.Rtnl.NLMSG_HDRLEN;

import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.XfrmEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscription to one namespace's XFRM_MSG_EXPIRE notifications: a NETLINK_XFRM socket in the namespace that
 * joined XFRMNLGRP_EXPIRE, read by a platform thread of its own that hands each IPv4 ESP expiry to the listener.
 * The reader wakes every {@link #POLL_SECONDS} to see whether it was closed, and owns the socket: it closes it
 * on its way out, so no other thread ever frees the socket's buffers while it reads. Notifications lost to a
 * full receive buffer are logged; the kernel sends a soft expiry once per SA, so the caller's periodic check of
 * the SA counters ({@code Kernel.xfrmStates}) is the fallback.
 */
final class XfrmWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(XfrmWatch.class);
    static final long POLL_SECONDS = 1;
    private static final int RECEIVE_BUFFER = 1 << 20;

    private final Netns ns;
    private final NetlinkSocket socket;
    private final Consumer<XfrmEvent> listener;
    private final Thread reader;
    private volatile boolean closed;

    private XfrmWatch(Netns ns, NetlinkSocket socket, Consumer<XfrmEvent> listener) {
        this.ns = ns;
        this.socket = socket;
        this.listener = listener;
        this.reader = Thread.ofPlatform().name("jswarm-xfrm-expire").daemon(true).unstarted(this::read);
    }

    /** Opens the socket inside {@code ns} (on a namespace thread) and starts the reader. */
    static XfrmWatch start(Netns ns, Consumer<XfrmEvent> listener) throws IOException {
        Objects.requireNonNull(listener);
        Namespaces.NsAction<NetlinkSocket> open = () -> {
            NetlinkSocket s = NetlinkSocket.open(Xfrm.NETLINK_XFRM, RECEIVE_BUFFER, 1 << 16, POLL_SECONDS);
            try {
                s.joinGroup(Xfrm.XFRMNLGRP_EXPIRE);
                return s;
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        };
        NetlinkSocket socket = switch (ns) {
            case Netns.Current c -> open.run();
            case Netns.AtPath p -> Namespaces.callIn(p.path(), open);
        };
        XfrmWatch watch = new XfrmWatch(ns, socket, listener);
        watch.reader.start();
        LOG.debug("watching XFRM expiries in {}", ns);
        return watch;
    }

    private void read() {
        ByteBuffer buf = ByteBuffer.allocate(NetlinkSocket.maxDatagram()).order(ByteOrder.nativeOrder());
        try {
            while (!closed) {
                try {
                    if (socket.await(buf)) {
                        dispatch(buf);
                    }
                } catch (Transport.OverrunException e) {
                    LOG.warn("XFRM expire notifications in {} were lost (receive buffer full)", ns);
                } catch (IOException e) {
                    if (!closed) {
                        LOG.warn("XFRM expire watch in {} stopped: {}", ns, e.getMessage());
                    }
                    return;
                }
            }
        } finally {
            socket.close();
        }
    }

    private void dispatch(ByteBuffer b) {
        for (int at = 0; at + NLMSG_HDRLEN <= b.limit(); ) {
            int len = b.getInt(at);
            if (len < NLMSG_HDRLEN || at + len > b.limit()) {
                LOG.warn("malformed XFRM notification of length {} in {}", len, ns);
                return;
            }
            XfrmEvent.Expired e = XfrmDecoder.expired(b.slice(at, len).order(ByteOrder.nativeOrder()));
            if (e != null) {
                try {
                    listener.accept(e);
                } catch (RuntimeException ex) {
                    LOG.warn("XFRM expire listener failed on {}: {}", e, ex.toString());
                }
            }
            at += (len + 3) & ~3;
        }
    }

    /** Stops the reader (within about {@link #POLL_SECONDS}); idempotent. */
    @Override
    public void close() {
        closed = true;
        if (Thread.currentThread() == reader) {
            return; // a listener closing its own watch: the loop ends after it returns
        }
        try {
            reader.join((POLL_SECONDS + 2) * 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
