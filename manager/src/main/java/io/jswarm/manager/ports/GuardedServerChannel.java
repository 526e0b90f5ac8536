package io.jswarm.manager.ports;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.List;

/**
 * gRPC's server socket with admission at accept: each accepted connection is offered to {@link ApiPort#admit}
 * before gRPC sees it, and one over a cap is closed right there, before any TLS or HTTP/2 state exists.
 */
final class GuardedServerChannel extends NioServerSocketChannel {
    private final ApiPort port;

    GuardedServerChannel(ApiPort port) {
        this.port = port;
    }

    @Override
    protected int doReadMessages(List<Object> buf) throws Exception {
        int before = buf.size();
        int read = super.doReadMessages(buf);
        for (int i = buf.size() - 1; i >= before; i--) {
            if (buf.get(i) instanceof Channel child && !port.admit(child)) {
                buf.remove(i);
            }
        }
        // Counted as read even when refused, so the accept loop keeps draining the backlog.
        return read;
    }
}
