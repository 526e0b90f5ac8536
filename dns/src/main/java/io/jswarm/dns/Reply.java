package io.jswarm.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;

/**
 * Where the answer to one query goes, and how large it may be. Used on the event loop only.
 */
sealed interface Reply {
    /** The largest message this client takes. */
    int limit();

    /** Whether the query carried EDNS0 (the answer then carries an OPT record). */
    boolean edns();

    Channel channel();

    /** Sends a complete message, cut to {@link #limit()} if it is longer; takes ownership. */
    void send(ByteBuf message);

    /** A UDP client: answers are datagrams to its address, at most 512 bytes or its EDNS0 size. */
    record Udp(Channel channel, InetSocketAddress client, int limit, boolean edns) implements Reply {
        @Override
        public void send(ByteBuf message) {
            channel.writeAndFlush(new DatagramPacket(Wire.fit(message, limit), client));
        }
    }

    /**
     * A TCP connection: the pipeline prefixes each message with its length. A client that stops reading
     * while answers pile up is cut off rather than buffered for without bound.
     */
    record Tcp(Channel channel, boolean edns) implements Reply {
        @Override
        public int limit() {
            return Wire.TCP_MAX;
        }

        @Override
        public void send(ByteBuf message) {
            if (!channel.isWritable()) {
                message.release();
                channel.close();
                return;
            }
            channel.writeAndFlush(Wire.fit(message, Wire.TCP_MAX));
        }
    }
}
