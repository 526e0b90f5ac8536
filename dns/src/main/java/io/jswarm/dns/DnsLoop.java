package io.jswarm.dns;

import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import java.util.concurrent.TimeUnit;

/**
 * The one event-loop thread ({@code jswarm-dns}) that serves the resolvers of every sandbox of a daemon: the
 * work per query is a map lookup and a few hundred bytes, so one thread carries hundreds of sandboxes, and
 * every server's state stays confined to it without locks. Made on first use (the constructor starts
 * nothing); {@link #close} stops it after the servers are closed.
 *
 * <p>Netty starts the thread with the first task, which {@link SandboxDns#serve} submits from an ordinary
 * daemon thread, so the loop runs in the daemon's namespace; sockets it opens itself ({@link TcpRetry}) are
 * the daemon's too.
 */
public final class DnsLoop implements AutoCloseable {
    private NioEventLoopGroup group;
    private boolean closed;

    /** The loop, started on the first call. */
    public synchronized EventLoop loop() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (group == null) {
            group = new NioEventLoopGroup(1, r -> {
                var t = new Thread(r, "jswarm-dns");
                t.setDaemon(true);
                return t;
            });
        }
        return group.next();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            group = null;
        }
    }
}
