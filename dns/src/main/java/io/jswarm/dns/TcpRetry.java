package io.jswarm.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Asks an upstream again over TCP when its UDP answer to a TCP client came back truncated, as Docker's
 * resolver forwards TCP queries over TCP: the client asked over TCP precisely to get the whole answer. One
 * short connection per retry, bounded by the query's remaining deadline; if it fails, the client gets the
 * truncated answer it would have got anyway. Runs on the server's event loop, whose thread is in the daemon's
 * namespace (it was started from {@code EmbeddedDnsServer.start}), so the socket is too.
 */
final class TcpRetry {
    private TcpRetry() {
    }

    /**
     * @param truncated the upstream's UDP answer (client id already set), sent if the retry fails; owned
     * @param done      runs once on the loop when the retry is over, however it ended
     */
    static void start(EventLoop loop, InetSocketAddress upstream, DnsQuestion question, int clientId, Reply reply,
                      ByteBuf truncated, long deadlineNanos, Runnable done) {
        long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        var outcome = new Outcome(reply, truncated, done);
        if (leftMillis < 1) {
            outcome.finish(null);
            return;
        }
        int id = ThreadLocalRandom.current().nextInt(0x10000);
        ChannelFuture connect = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(leftMillis, Integer.MAX_VALUE))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ReadTimeoutHandler(leftMillis, TimeUnit.MILLISECONDS),
                                new LengthFieldBasedFrameDecoder(Wire.TCP_MAX, 0, 2, 0, 2), new LengthFieldPrepender(2),
                                new Answer(id, clientId, outcome));
                    }
                }).connect(upstream);
        connect.addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                f.channel().writeAndFlush(Wire.query(f.channel().alloc(), id, question));
                f.channel().closeFuture().addListener(c -> outcome.finish(null));
            } else {
                outcome.finish(null);
            }
        });
    }

    /** The one result of a retry: the full answer, or else the truncated one. */
    private static final class Outcome {
        private final Reply reply;
        private final ByteBuf truncated;
        private final Runnable done;
        private boolean finished;

        Outcome(Reply reply, ByteBuf truncated, Runnable done) {
            this.reply = reply;
            this.truncated = truncated;
            this.done = done;
        }

        void finish(ByteBuf full) {
            if (finished) {
                if (full != null) {
                    full.release();
                }
                return;
            }
            finished = true;
            if (full != null) {
                truncated.release();
                reply.send(full);
            } else {
                reply.send(truncated);
            }
            done.run();
        }
    }

    private static final class Answer extends SimpleChannelInboundHandler<ByteBuf> {
        private final int id;
        private final int clientId;
        private final Outcome outcome;

        Answer(int id, int clientId, Outcome outcome) {
            this.id = id;
            this.clientId = clientId;
            this.outcome = outcome;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            if (frame.readableBytes() >= Wire.HEADER && frame.getUnsignedShort(frame.readerIndex()) == id) {
                frame.setShort(frame.readerIndex(), clientId);
                outcome.finish(frame.retain());
            }
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // read timeout, reset, garbage: the truncated answer goes out on close
        }
    }
}
