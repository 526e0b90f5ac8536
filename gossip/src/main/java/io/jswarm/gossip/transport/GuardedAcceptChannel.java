package io.jswarm.gossip.transport;

import io.netty.channel.Channel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.List;

/**
 * The gossip port's server socket with admission at accept, on the accept thread: each accepted connection
 * is offered to {@link TransportGuard#admitAtAccept} before it is handed to the I/O loop, and one over a cap
 * is reset right there, before it costs the I/O loop anything. So however busy the I/O loop is, the kernel's
 * accept queue is drained as fast as connections arrive (the same as {@code GuardedServerChannel} on 2377).
 */
final class GuardedAcceptChannel extends NioServerSocketChannel {
    private final TransportGuard guard;

    GuardedAcceptChannel(TransportGuard guard) {
        this.guard = guard;
    }

    @Override
    protected int doReadMessages(List<Object> buf) throws Exception {
        int before = buf.size();
        int read = super.doReadMessages(buf);
        for (int i = buf.size() - 1; i >= before; i--) {
            if (buf.get(i) instanceof Channel child && !guard.admitAtAccept(child)) {
                buf.remove(i);
            }
        }
        // Counted as read even when refused, so the accept loop keeps draining the backlog.
        return read;
    }
}
