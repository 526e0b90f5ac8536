package io.jswarm.vxlan.netlink;

import static io.jswarm.vxlan.netlink.EncoderFixtureTest.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelException;
import io.jswarm.vxlan.kernel.XfrmCounters;
import io.jswarm.vxlan.kernel.XfrmId;
import io.jswarm.vxlan.kernel.XfrmLimits;
import io.jswarm.vxlan.kernel.XfrmPolicy;
import io.jswarm.vxlan.kernel.XfrmSelector;
import io.jswarm.vxlan.kernel.XfrmState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How {@link XfrmSession} turns changes into requests, against a scripted XFRM "kernel" (SAs by (dst, SPI) as the
 * kernel keeps them: NEWSA of a taken id is EEXIST, UPDSA takes only the limits, deletes of absent say ESRCH /
 * ENOENT). The create-or-replace of SAs is the part the real kernel here cannot show (it has no ESP).
 */
class XfrmSessionTest {
    static final XfrmState SA = state("000102030405060708090a0b0c0d0e0f10111213", XfrmLimits.NONE);

    final Map<XfrmId, byte[]> sas = new LinkedHashMap<>();
    final FakeTransport transport = new FakeTransport();
    final XfrmSession session = new XfrmSession(Netns.current(), new NetlinkChannel(transport, 64, 1 << 16));
    int failNewSa;

    XfrmSessionTest() {
        transport.answer = this::kernel;
    }

    static XfrmState state(String key, XfrmLimits limits) {
        return new XfrmState(ip("192.0.2.1"), ip("192.0.2.2"), 0x4A010001, 0x4A5357, HexFormat.of().parseHex(key),
                128, limits, 0, XfrmCounters.NONE);
    }

    private List<byte[]> kernel(FakeTransport.Request r) {
        int errno = 0;
        switch (r.type()) {
            case Xfrm.XFRM_MSG_NEWSA, Xfrm.XFRM_MSG_UPDSA -> {
                XfrmState s = XfrmDecoder.state(XfrmEncoderFixtureTest.asDump(r.bytes(), Xfrm.XFRM_MSG_NEWSA));
                boolean exists = sas.containsKey(s.id());
                if (r.type() == Xfrm.XFRM_MSG_NEWSA && failNewSa != 0) {
                    errno = failNewSa;
                } else if (r.type() == Xfrm.XFRM_MSG_NEWSA ? exists : !exists) {
                    errno = exists ? Errno.EEXIST : Errno.ESRCH;
                } else if (r.type() == Xfrm.XFRM_MSG_UPDSA) {
                    // The kernel's xfrm_state_update copies the lifetime limits and nothing else.
                    XfrmState old = XfrmDecoder.state(XfrmEncoderFixtureTest.asDump(sas.get(s.id()),
                            Xfrm.XFRM_MSG_NEWSA));
                    XfrmState updated = new XfrmState(old.src(), old.dst(), old.spi(), old.reqid(), old.key(),
                            old.replayWindow(), s.limits());
                    sas.put(s.id(), new XfrmEncoder().addSa(updated));
                } else {
                    sas.put(s.id(), r.bytes().clone());
                }
            }
            case Xfrm.XFRM_MSG_DELSA -> {
                // struct xfrm_usersa_id: daddr (16), spi (network order), family, proto
                ByteBuffer id = ByteBuffer.wrap(r.bytes()).order(ByteOrder.BIG_ENDIAN);
                errno = sas.remove(new XfrmId(dotted(id.get(16), id.get(17), id.get(18), id.get(19)),
                        id.getInt(32))) == null ? Errno.ESRCH : 0;
            }
            case Xfrm.XFRM_MSG_GETSA -> {
                List<byte[]> out = new ArrayList<>();
                for (byte[] sa : sas.values()) {
                    byte[] m = sa.clone();
                    ByteBuffer.wrap(m).order(ByteOrder.nativeOrder()).putShort(4, (short) Xfrm.XFRM_MSG_NEWSA)
                            .putShort(6, (short) Rtnl.NLM_F_MULTI);
                    out.add(FakeTransport.withSeq(m, r.seq()));
                }
                out.add(FakeTransport.done(r.seq()));
                return out;
            }
            case Xfrm.XFRM_MSG_DELPOLICY -> errno = Errno.ENOENT;
            default -> errno = 0;
        }
        return FakeTransport.defaultAnswer(r, errno, null);
    }

    private static java.net.InetAddress dotted(byte... ip) {
        try {
            return java.net.InetAddress.getByAddress(ip);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private List<Integer> sentTypes() {
        return transport.requests().stream().map(FakeTransport.Request::type).filter(t -> t != Rtnl.NLMSG_NOOP)
                .toList();
    }

    private Map<Integer, KernelException> apply(KernelChange... changes) throws IOException {
        List<XfrmSession.Indexed> indexed = new ArrayList<>();
        for (int i = 0; i < changes.length; i++) {
            indexed.add(new XfrmSession.Indexed(i, changes[i]));
        }
        return session.apply(indexed);
    }

    @Test
    void aNewSaIsOneNewsa() throws IOException {
        assertEquals(Map.of(), apply(new KernelChange.SetXfrmState(SA)));
        assertEquals(List.of(Xfrm.XFRM_MSG_NEWSA), sentTypes());
        assertEquals(List.of(SA), session.states());
    }

    @Test
    void newLimitsOnAnExistingSaAreAnUpdateInPlace() throws IOException {
        apply(new KernelChange.SetXfrmState(SA));
        transport.datagrams.clear();
        XfrmState relimited = state("000102030405060708090a0b0c0d0e0f10111213", XfrmLimits.soft(1 << 20, 1 << 10));
        assertEquals(Map.of(), apply(new KernelChange.SetXfrmState(relimited)));
        assertEquals(List.of(Xfrm.XFRM_MSG_NEWSA, Xfrm.XFRM_MSG_GETSA, Xfrm.XFRM_MSG_UPDSA), sentTypes(),
                "no DELSA: the SA keeps its sequence numbers");
        assertEquals(List.of(relimited), session.states());
    }

    @Test
    void aDifferentKeyUnderTheSameIdIsDeletedAndAddedAgain() throws IOException {
        apply(new KernelChange.SetXfrmState(SA));
        transport.datagrams.clear();
        XfrmState rekeyed = state("131211100f0e0d0c0b0a09080706050403020100", XfrmLimits.NONE);
        assertEquals(Map.of(), apply(new KernelChange.SetXfrmState(rekeyed)));
        assertEquals(List.of(Xfrm.XFRM_MSG_NEWSA, Xfrm.XFRM_MSG_GETSA, Xfrm.XFRM_MSG_DELSA, Xfrm.XFRM_MSG_NEWSA),
                sentTypes());
        assertEquals(List.of(rekeyed), session.states());
    }

    @Test
    void deletingWhatIsAbsentSucceedsAndRealFailuresKeepTheirPosition() throws IOException {
        failNewSa = Errno.ENOSYS;
        XfrmPolicy block = new XfrmPolicy(XfrmSelector.udpTo(4799), XfrmPolicy.Direction.OUT, 200,
                XfrmPolicy.Action.BLOCK, null);
        Map<Integer, KernelException> failures = apply(new KernelChange.DeleteXfrmState(SA.id()),
                new KernelChange.DeleteXfrmPolicy(block.key()), new KernelChange.SetXfrmPolicy(block),
                new KernelChange.SetXfrmState(SA));
        assertEquals(List.of(3), List.copyOf(failures.keySet()));
        KernelException e = failures.get(3);
        assertEquals("ENOSYS", e.errnoName());
        assertTrue(e.getMessage().startsWith("XFRM_MSG_NEWSA XfrmState[192.0.2.1->192.0.2.2 spi 0x4a010001"),
                e.getMessage());
    }
}
