package io.jswarm.vxlan.netlink;

import static io.jswarm.vxlan.netlink.Rtnl.*;

import io.jswarm.vxlan.kernel.KernelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request/answer logic over a {@link Transport}: batches of requests with sequence numbers, and dumps.
 *
 * <p>Batches use "errors only + barrier": requests go out without NLM_F_ACK, several hundred per datagram,
 * followed by an NLMSG_NOOP that does ask for an ACK. The kernel handles a datagram's messages in order and
 * answers only failures, so when the barrier's ACK arrives every error of the batch has arrived before it.
 * This halves the receive work against ACK-per-request and keeps the receive buffer nearly empty.
 *
 * <p>If the receive buffer overflows anyway (ENOBUFS), the socket is drained and every request of that
 * datagram without a recorded error is reported {@link #UNKNOWN}; the caller decides what to resend. The
 * batch size is halved after each overrun so a retry cannot overrun the same way forever.
 *
 * <p>Not thread-safe: the owning session serialises calls.
 */
final class NetlinkChannel implements AutoCloseable {
    /** Outcome of a request whose answer was lost in an overrun. */
    static final int UNKNOWN = -1;
    /** Room the kernel needs in our receive buffer for one error message (skb truesize, with extack). */
    static final int BYTES_PER_ERROR = 1024;
    private static final int MAX_DUMP_ATTEMPTS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(NetlinkChannel.class);

    private final Transport transport;
    private final RtnlEncoder encoder = new RtnlEncoder();
    private final ByteBuffer receiveBuffer = ByteBuffer.allocate(NetlinkSocket.maxDatagram()).order(ByteOrder.nativeOrder());
    private final int maxBatchBytes;
    private ByteBuffer sendBuffer = ByteBuffer.allocate(64 * 1024).order(ByteOrder.nativeOrder());
    private int maxBatchMessages;
    private int seq = 1;

    /** What the kernel said about each request of a batch: 0, a positive errno, or {@link #UNKNOWN}. */
    record Outcomes(int[] errno, String[] extack) {
    }

    /**
     * @param maxBatchMessages requests per datagram; callers keep it within what the receive buffer can hold
     *                         in errors ({@link #fitting})
     */
    NetlinkChannel(Transport transport, int maxBatchMessages, int maxBatchBytes) {
        if (maxBatchMessages < 1 || maxBatchBytes < 64) {
            throw new IllegalArgumentException("batch limits too small: " + maxBatchMessages + "/" + maxBatchBytes);
        }
        this.transport = transport;
        this.maxBatchMessages = maxBatchMessages;
        this.maxBatchBytes = maxBatchBytes;
    }

    /** The largest batch whose errors all fit in the transport's receive buffer, at most {@code wanted}. */
    static int fitting(Transport transport, int wanted) {
        return Math.min(wanted, Math.max(1, transport.receiveBufferSize() / BYTES_PER_ERROR));
    }

    int maxBatchMessages() {
        return maxBatchMessages;
    }

    /** Sends {@code requests} (complete messages from {@link RtnlEncoder}) in as few datagrams as fit. */
    Outcomes execute(List<byte[]> requests) throws IOException {
        int n = requests.size();
        int[] errno = new int[n];
        String[] extack = new String[n];
        int i = 0;
        while (i < n) {
            int end = chunkEnd(requests, i);
            sendChunk(requests, i, end, errno, extack);
            i = end;
        }
        return new Outcomes(errno, extack);
    }

    private int chunkEnd(List<byte[]> requests, int from) {
        int bytes = 0;
        int end = from;
        while (end < requests.size() && end - from < maxBatchMessages
                && (end == from || bytes + requests.get(end).length <= maxBatchBytes)) {
            bytes += requests.get(end).length;
            end++;
        }
        return end;
    }

    private void sendChunk(List<byte[]> requests, int from, int to, int[] errno, String[] extack) throws IOException {
        int firstSeq = seq;
        int barrierSeq = firstSeq + (to - from);
        seq = barrierSeq + 1;
        sendBuffer.clear();
        for (int i = from; i < to; i++) {
            put(requests.get(i), firstSeq + (i - from), true);
        }
        put(encoder.barrier(), barrierSeq, false);
        sendBuffer.flip();
        transport.send(sendBuffer);
        try {
            awaitBarrier(firstSeq, barrierSeq, from, errno, extack);
        } catch (Transport.OverrunException e) {
            drain(firstSeq, barrierSeq, from, errno, extack);
            for (int i = from; i < to; i++) {
                if (errno[i] == 0) {
                    errno[i] = UNKNOWN;
                }
            }
            maxBatchMessages = Math.max(1, maxBatchMessages / 2);
            LOG.debug("netlink overrun in a batch of {}; batch size now {}", to - from, maxBatchMessages);
        }
    }

    private void put(byte[] message, int sequence, boolean errorsOnly) {
        if (sendBuffer.remaining() < message.length) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(sendBuffer.capacity() * 2, sendBuffer.position()
                    + message.length)).order(ByteOrder.nativeOrder());
            sendBuffer.flip();
            bigger.put(sendBuffer);
            sendBuffer = bigger;
        }
        int start = sendBuffer.position();
        sendBuffer.put(message);
        if (errorsOnly) {
            sendBuffer.putShort(start + 6, (short) (sendBuffer.getShort(start + 6) & ~NLM_F_ACK));
        }
        sendBuffer.putInt(start + 8, sequence);
    }

    private void awaitBarrier(int firstSeq, int barrierSeq, int base, int[] errno, String[] extack) throws IOException {
        boolean done = false;
        while (!done) {
            transport.receive(receiveBuffer, false);
            done = record(firstSeq, barrierSeq, base, errno, extack);
        }
    }

    /** Reads what is still queued after an overrun, recording errors that survived. */
    private void drain(int firstSeq, int barrierSeq, int base, int[] errno, String[] extack) throws IOException {
        while (true) {
            try {
                if (!transport.receive(receiveBuffer, true)) {
                    return;
                }
                record(firstSeq, barrierSeq, base, errno, extack);
            } catch (Transport.OverrunException again) {
                // the overrun flag is reported once per loss; keep draining
            }
        }
    }

    /** Records the errors in the received datagram; true once the barrier's ACK was among them. */
    private boolean record(int firstSeq, int barrierSeq, int base, int[] errno, String[] extack) throws IOException {
        ByteBuffer b = receiveBuffer;
        boolean barrier = false;
        for (int at = 0; at + NLMSG_HDRLEN <= b.limit(); ) {
            int len = b.getInt(at);
            if (len < NLMSG_HDRLEN || at + len > b.limit()) {
                throw new IOException("malformed netlink message of length " + len);
            }
            int msgSeq = b.getInt(at + 8);
            if (b.getShort(at + 4) == NLMSG_ERROR) {
                int error = -b.getInt(at + NLMSG_HDRLEN);
                if (msgSeq == barrierSeq) {
                    barrier = true;
                } else if (msgSeq - firstSeq >= 0 && msgSeq - firstSeq < barrierSeq - firstSeq && error != 0) {
                    errno[base + msgSeq - firstSeq] = error;
                    extack[base + msgSeq - firstSeq] = extack(b, at, len);
                }
            }
            at += (len + 3) & ~3;
        }
        return barrier;
    }

    /** The NLMSGERR_ATTR_MSG text of an NLMSG_ERROR at {@code at}, or {@code null}. */
    static String extack(ByteBuffer b, int at, int len) {
        int flags = b.getShort(at + 6) & 0xFFFF;
        if ((flags & NLM_F_ACK_TLVS) == 0) {
            return null;
        }
        int inner = at + NLMSG_HDRLEN + 4;
        int innerLen = (flags & NLM_F_CAPPED) != 0 ? NLMSG_HDRLEN : b.getInt(inner);
        for (int a = inner + ((innerLen + 3) & ~3); a + 4 <= at + len; ) {
            int alen = b.getShort(a) & 0xFFFF;
            if (alen < 4) {
                break;
            }
            if ((b.getShort(a + 2) & 0x3FFF) == NLMSGERR_ATTR_MSG) {
                int end = a + alen;
                while (end > a + 4 && b.get(end - 1) == 0) {
                    end--;
                }
                byte[] text = new byte[end - a - 4];
                b.get(a + 4, text);
                return new String(text, StandardCharsets.UTF_8);
            }
            a += (alen + 3) & ~3;
        }
        return null;
    }

    /**
     * Runs a dump and returns its messages, each a buffer positioned on its header. Restarts the dump when
     * the kernel flags it inconsistent (NLM_F_DUMP_INTR) or when answers are lost to an overrun.
     */
    List<ByteBuffer> dump(int type, int family) throws IOException {
        return dump(type, () -> encoder.dump(type, family));
    }

    /** As {@link #dump(int, int)} with a request of its own ({@code type} names it in errors and logs). */
    List<ByteBuffer> dump(int type, java.util.function.Supplier<byte[]> request) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                List<ByteBuffer> result = new ArrayList<>();
                if (dumpOnce(type, request.get(), result) || attempt == MAX_DUMP_ATTEMPTS) {
                    return result;
                }
            } catch (Transport.OverrunException e) {
                if (attempt == MAX_DUMP_ATTEMPTS) {
                    throw e;
                }
                drain(0, 0, 0, new int[0], new String[0]);
            }
            LOG.debug("{} dump interrupted, retrying", Rtnl.typeName(type));
        }
    }

    /** One dump; false if the kernel marked it interrupted. */
    private boolean dumpOnce(int type, byte[] request, List<ByteBuffer> into) throws IOException {
        int dumpSeq = seq++;
        sendBuffer.clear();
        put(request, dumpSeq, false);
        sendBuffer.flip();
        transport.send(sendBuffer);
        boolean consistent = true;
        while (true) {
            transport.receive(receiveBuffer, false);
            byte[] copy = Arrays.copyOf(receiveBuffer.array(), receiveBuffer.limit());
            ByteBuffer b = ByteBuffer.wrap(copy).order(ByteOrder.nativeOrder());
            for (int at = 0; at + NLMSG_HDRLEN <= b.limit(); ) {
                int len = b.getInt(at);
                if (len < NLMSG_HDRLEN || at + len > b.limit()) {
                    throw new IOException("malformed netlink message of length " + len);
                }
                if (b.getInt(at + 8) == dumpSeq) {
                    int msgType = b.getShort(at + 4);
                    consistent &= (b.getShort(at + 6) & NLM_F_DUMP_INTR) == 0;
                    if (msgType == NLMSG_DONE && (len < NLMSG_HDRLEN + 4 || b.getInt(at + NLMSG_HDRLEN) == 0)) {
                        return consistent;
                    }
                    if (msgType == NLMSG_ERROR || msgType == NLMSG_DONE) {
                        int errno = -b.getInt(at + NLMSG_HDRLEN);
                        throw new KernelException(Rtnl.typeName(type) + " dump", null, errno, Errno.name(errno),
                                extack(b, at, len));
                    }
                    into.add(b.slice(at, len).order(ByteOrder.nativeOrder()));
                }
                at += (len + 3) & ~3;
            }
        }
    }

    @Override
    public void close() {
        transport.close();
    }
}
