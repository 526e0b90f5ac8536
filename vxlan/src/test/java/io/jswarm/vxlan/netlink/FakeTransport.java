package io.jswarm.vxlan.netlink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;

/**
 * A scripted kernel for {@link NetlinkChannel}: splits every datagram into messages, asks {@link #answer}
 * what to reply to each, and queues the replies as the kernel would (one datagram per reply). A capacity in
 * replies imitates the receive buffer: replies beyond it are dropped and the next receive reports an overrun.
 */
final class FakeTransport implements Transport {
    /** A received request: its type, flags, sequence number and whole bytes. */
    record Request(int type, int flags, int seq, byte[] bytes) {
    }

    final List<List<Request>> datagrams = new ArrayList<>();
    private final Deque<byte[]> queue = new ArrayDeque<>();
    /** Replies to a request (each reply a complete message; the fake sets nothing in them). */
    Function<Request, List<byte[]>> answer = r -> defaultAnswer(r, 0, null);
    int capacity = Integer.MAX_VALUE;
    private boolean overrun;
    boolean closed;

    @Override
    public void send(ByteBuffer datagram) throws IOException {
        ByteBuffer b = datagram.slice().order(ByteOrder.nativeOrder());
        List<Request> requests = new ArrayList<>();
        for (int at = 0; at < b.limit(); ) {
            int len = b.getInt(at);
            byte[] bytes = new byte[len];
            b.get(at, bytes);
            requests.add(new Request(b.getShort(at + 4), b.getShort(at + 6) & 0xFFFF, b.getInt(at + 8), bytes));
            at += (len + 3) & ~3;
        }
        datagram.position(datagram.limit());
        datagrams.add(requests);
        for (Request r : requests) {
            for (byte[] reply : answer.apply(r)) {
                if (queue.size() < capacity) {
                    queue.add(reply);
                } else {
                    overrun = true;
                }
            }
        }
    }

    @Override
    public boolean receive(ByteBuffer dst, boolean dontWait) throws IOException {
        if (overrun) {
            overrun = false;
            throw new OverrunException();
        }
        byte[] next = queue.poll();
        if (next == null) {
            if (dontWait) {
                return false;
            }
            throw new IOException("fake: receive would block forever");
        }
        dst.clear();
        dst.put(next);
        dst.flip();
        return true;
    }

    @Override
    public int receiveBufferSize() {
        return 1 << 20;
    }

    @Override
    public void close() {
        closed = true;
    }

    /** All requests sent so far, barriers included. */
    List<Request> requests() {
        return datagrams.stream().flatMap(List::stream).toList();
    }

    /** Acks what asks for an ACK, fails nothing (errno 0), or fails with {@code errno} and {@code extack}. */
    static List<byte[]> defaultAnswer(Request r, int errno, String extack) {
        if (errno == 0 && (r.flags() & Rtnl.NLM_F_ACK) == 0) {
            return List.of();
        }
        return List.of(error(r, errno, extack));
    }

    /** An NLMSG_ERROR as the kernel sends it with NETLINK_CAP_ACK and NETLINK_EXT_ACK on. */
    static byte[] error(Request r, int errno, String extack) {
        NlWriter w = new NlWriter();
        w.begin(Rtnl.NLMSG_ERROR, Rtnl.NLM_F_CAPPED | (extack != null ? Rtnl.NLM_F_ACK_TLVS : 0));
        w.u32(-errno);
        w.u32(r.bytes().length).u16(r.type()).u16(r.flags()).u32(r.seq()).u32(0);
        if (extack != null) {
            byte[] text = extack.getBytes(StandardCharsets.UTF_8);
            byte[] z = new byte[text.length + 1];
            System.arraycopy(text, 0, z, 0, text.length);
            w.attr(Rtnl.NLMSGERR_ATTR_MSG, z);
        }
        return withSeq(w.finish(), r.seq());
    }

    static byte[] done(int seq) {
        NlWriter w = new NlWriter();
        w.begin(Rtnl.NLMSG_DONE, Rtnl.NLM_F_MULTI).u32(0);
        return withSeq(w.finish(), seq);
    }

    static byte[] withSeq(byte[] message, int seq) {
        ByteBuffer.wrap(message).order(ByteOrder.nativeOrder()).putInt(8, seq);
        return message;
    }

    /** A link as a dump answer: RTM_NEWLINK with index, flags and name (and optionally kind). */
    static byte[] link(int seq, int index, String name, String kind, int flags) {
        NlWriter w = new NlWriter();
        w.begin(Rtnl.RTM_NEWLINK, Rtnl.NLM_F_MULTI);
        w.u8(0).u8(0).u16(1).u32(index).u32(flags).u32(0);
        w.attrString(Rtnl.IFLA_IFNAME, name);
        w.attrU32(Rtnl.IFLA_MTU, 1500);
        if (kind != null) {
            int info = w.beginNest(Rtnl.IFLA_LINKINFO);
            w.attrBareString(Rtnl.IFLA_INFO_KIND, kind);
            w.endNest(info);
        }
        return withSeq(w.finish(), seq);
    }
}
