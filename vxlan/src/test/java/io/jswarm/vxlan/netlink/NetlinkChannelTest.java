package io.jswarm.vxlan.netlink;

import static org.junit.jupiter.api.Assertions.*;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.kernel.KernelException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Batching, sequence matching, overruns and dumps against a scripted transport; no root needed. */
class NetlinkChannelTest {
    final FakeTransport fake = new FakeTransport();
    final RtnlEncoder encoder = new RtnlEncoder();

    /** Neighbour requests whose ifindex is their position, so the fake can tell them apart. */
    List<byte[]> requests(int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(encoder.setNeighbor(i, IpPrefix.parseAddress("198.51.100.7"), MacAddress.parse("02:42:00:00:00:01")));
        }
        return out;
    }

    static int ifindex(FakeTransport.Request r) {
        return ByteBuffer.wrap(r.bytes()).order(ByteOrder.nativeOrder()).getInt(20);
    }

    @Test
    void splitsByMessageCountAndEndsEveryDatagramWithAnAckedBarrier() throws Exception {
        NetlinkChannel channel = new NetlinkChannel(fake, 100, 1 << 20);
        NetlinkChannel.Outcomes out = channel.execute(requests(250));
        assertArrayEquals(new int[250], out.errno());
        assertEquals(List.of(101, 101, 51), fake.datagrams.stream().map(List::size).toList());
        List<Integer> seqs = new ArrayList<>();
        for (List<FakeTransport.Request> d : fake.datagrams) {
            FakeTransport.Request barrier = d.getLast();
            assertEquals(Rtnl.NLMSG_NOOP, barrier.type());
            assertEquals(Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK, barrier.flags());
            d.subList(0, d.size() - 1).forEach(r -> assertEquals(0, r.flags() & Rtnl.NLM_F_ACK, "errors only"));
            d.forEach(r -> seqs.add(r.seq()));
        }
        assertEquals(seqs.stream().distinct().count(), seqs.size(), "sequence numbers are unique");
    }

    @Test
    void splitsByBytes() throws Exception {
        int size = requests(1).getFirst().length;
        new NetlinkChannel(fake, 1000, size * 10).execute(requests(25));
        assertEquals(List.of(11, 11, 6), fake.datagrams.stream().map(List::size).toList());
    }

    @Test
    void matchesErrorsToRequestsBySequenceAndIgnoresStrayAnswers() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        fake.answer = r -> {
            if (calls.getAndIncrement() == 0) { // before anything else: a stale answer with a foreign sequence
                List<byte[]> replies = new ArrayList<>();
                replies.add(FakeTransport.error(new FakeTransport.Request(0, 0, -5, new byte[16]), 1, "stale"));
                replies.addAll(FakeTransport.defaultAnswer(r, 0, null));
                return replies;
            }
            boolean fail = r.type() == Rtnl.RTM_NEWNEIGH && ifindex(r) % 7 == 3;
            return FakeTransport.defaultAnswer(r, fail ? Errno.EEXIST : 0, fail ? "dup " + ifindex(r) : null);
        };
        NetlinkChannel.Outcomes out = new NetlinkChannel(fake, 16, 1 << 20).execute(requests(40));
        for (int i = 0; i < 40; i++) {
            assertEquals(i % 7 == 3 ? Errno.EEXIST : 0, out.errno()[i], "request " + i);
            assertEquals(i % 7 == 3 ? "dup " + i : null, out.extack()[i]);
        }
    }

    @Test
    void anOverrunMarksUnansweredRequestsUnknownAndHalvesTheBatch() throws Exception {
        fake.capacity = 5;
        fake.answer = r -> FakeTransport.defaultAnswer(r, r.type() == Rtnl.NLMSG_NOOP ? 0 : Errno.ENOENT, null);
        NetlinkChannel channel = new NetlinkChannel(fake, 64, 1 << 20);
        NetlinkChannel.Outcomes out = channel.execute(requests(20));
        for (int i = 0; i < 20; i++) {
            assertEquals(i < 5 ? Errno.ENOENT : NetlinkChannel.UNKNOWN, out.errno()[i], "request " + i);
        }
        assertEquals(32, channel.maxBatchMessages());
        fake.capacity = Integer.MAX_VALUE;
        assertEquals(Errno.ENOENT, channel.execute(requests(3)).errno()[2], "socket usable after the drain");
    }

    @Test
    void dumpsCollectMessagesUntilDone() throws Exception {
        fake.answer = r -> List.of(FakeTransport.link(r.seq(), 1, "lo", null, 1),
                FakeTransport.link(r.seq(), 2, "br0", "bridge", 0), FakeTransport.done(r.seq()));
        List<ByteBuffer> dump = new NetlinkChannel(fake, 64, 1 << 20).dump(Rtnl.RTM_GETLINK, Rtnl.AF_UNSPEC);
        assertEquals(2, dump.size());
        assertEquals("bridge", RtnlDecoder.links(dump).get(1).kind());
        assertEquals(Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_DUMP, fake.requests().getFirst().flags());
    }

    @Test
    void anInterruptedDumpIsRepeated() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        fake.answer = r -> {
            byte[] link = FakeTransport.link(r.seq(), 1, "lo", null, 1);
            if (attempts.getAndIncrement() == 0) {
                ByteBuffer.wrap(link).order(ByteOrder.nativeOrder()).putShort(6,
                        (short) (Rtnl.NLM_F_MULTI | Rtnl.NLM_F_DUMP_INTR));
            }
            return List.of(link, FakeTransport.done(r.seq()));
        };
        assertEquals(1, new NetlinkChannel(fake, 64, 1 << 20).dump(Rtnl.RTM_GETLINK, Rtnl.AF_UNSPEC).size());
        assertEquals(2, attempts.get());
    }

    @Test
    void aFailedDumpThrowsWithErrnoAndExtack() {
        fake.answer = r -> List.of(FakeTransport.error(r, Errno.EOPNOTSUPP, "no dumps today"));
        KernelException e = assertThrows(KernelException.class,
                () -> new NetlinkChannel(fake, 64, 1 << 20).dump(Rtnl.RTM_GETROUTE, Rtnl.AF_UNSPEC));
        assertEquals("RTM_GETROUTE dump: EOPNOTSUPP (95): no dumps today", e.getMessage());
    }

    @Test
    void extackIsFoundAfterAnUncappedEchoOfTheRequest() {
        byte[] request = requests(1).getFirst();
        NlWriter w = new NlWriter();
        w.begin(Rtnl.NLMSG_ERROR, Rtnl.NLM_F_ACK_TLVS).u32(-Errno.EINVAL);
        for (byte b : request) {
            w.u8(b);
        }
        w.attrString(Rtnl.NLMSGERR_ATTR_MSG, "Invalid neighbor state");
        byte[] error = w.finish();
        ByteBuffer b = ByteBuffer.wrap(error).order(ByteOrder.nativeOrder());
        assertEquals("Invalid neighbor state", NetlinkChannel.extack(b, 0, error.length));
    }

    @Test
    void closeClosesTheTransport() {
        new NetlinkChannel(fake, 1, 4096).close();
        assertTrue(fake.closed);
    }
}
