package io.jswarm.vxlan.netlink;

import static org.junit.jupiter.api.Assertions.*;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.FdbEntry;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelChange.*;
import io.jswarm.vxlan.kernel.KernelException;
import io.jswarm.vxlan.kernel.LinkSpec;
import io.jswarm.vxlan.kernel.Neighbor;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Name resolution, flushing and error mapping of one namespace, against a fake kernel with a link table. */
class NamespaceSessionTest {
    static final MacAddress MAC = MacAddress.parse("02:42:c6:33:64:07");
    final FakeTransport fake = new FakeTransport();
    final Map<String, Integer> links = new LinkedHashMap<>(Map.of("lo", 1, "vxlan0", 7));
    final Map<Integer, Integer> failByType = new LinkedHashMap<>();
    int nextIndex = 20;
    NamespaceSession session;

    static InetAddress ip(String s) {
        return IpPrefix.parseAddress(s);
    }

    @BeforeEach
    void setUp() {
        fake.answer = this::kernel;
        session = new NamespaceSession(Netns.named("fake"), null, new NetlinkChannel(fake, 512, 1 << 20), () -> { });
    }

    /** A tiny kernel: link dumps from {@link #links}, RTM_NEWLINK with a name adds one, failures by type. */
    List<byte[]> kernel(FakeTransport.Request r) {
        if (r.type() == Rtnl.RTM_GETLINK) {
            List<byte[]> out = new ArrayList<>();
            links.forEach((name, index) -> out.add(FakeTransport.link(r.seq(), index, name, null, 0)));
            out.add(FakeTransport.done(r.seq()));
            return out;
        }
        if (r.type() == Rtnl.RTM_NEWLINK && (r.flags() & Rtnl.NLM_F_CREATE) != 0) {
            NlAttrs attrs = NlAttrs.parse(ByteBuffer.wrap(r.bytes()).order(ByteOrder.nativeOrder()), 32, r.bytes().length);
            links.put(attrs.string(Rtnl.IFLA_IFNAME), nextIndex++);
        }
        int errno = failByType.getOrDefault(r.type(), 0);
        return FakeTransport.defaultAnswer(r, errno, errno == 0 ? null : "fake says no");
    }

    List<FakeTransport.Request> sent(int type) {
        return fake.requests().stream().filter(r -> r.type() == type).toList();
    }

    static int ifindex(FakeTransport.Request r) {
        return ByteBuffer.wrap(r.bytes()).order(ByteOrder.nativeOrder()).getInt(20);
    }

    @Test
    void aDeviceCreatedEarlierInTheBatchIsResolvedAfterAFlush() throws Exception {
        session.apply(List.of(new AddLink(new LinkSpec.Bridge("br0", 0, null)), SetLink.up("br0"),
                new SetLink("vxlan0", true, null, null, "br0")));
        List<FakeTransport.Request> sets = sent(Rtnl.RTM_NEWLINK).stream()
                .filter(r -> (r.flags() & Rtnl.NLM_F_CREATE) == 0).toList();
        assertEquals(List.of(20, 7), sets.stream().map(NamespaceSessionTest::ifindex).toList());
        int addDatagram = indexOfDatagramWith(Rtnl.RTM_NEWLINK);
        int setDatagram = fake.datagrams.size() - 1;
        assertTrue(addDatagram < setDatagram, "the add was flushed before br0 was resolved");
        assertEquals(1, sent(Rtnl.RTM_GETLINK).size(), "one dump, after the add was sent");
    }

    int indexOfDatagramWith(int type) {
        for (int i = 0; i < fake.datagrams.size(); i++) {
            if (fake.datagrams.get(i).stream().anyMatch(r -> r.type() == type)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void theNameCacheIsReusedUntilLinksChange() throws Exception {
        KernelChange fdb = new SetFdb(FdbEntry.remote("vxlan0", MAC, ip("203.0.113.9")));
        session.apply(List.of(fdb));
        session.apply(List.of(fdb, new SetNeighbor(Neighbor.permanent("vxlan0", ip("198.51.100.7"), MAC))));
        assertEquals(1, sent(Rtnl.RTM_GETLINK).size());
        session.invalidateNames();
        session.apply(List.of(fdb));
        assertEquals(2, sent(Rtnl.RTM_GETLINK).size());
    }

    @Test
    void unknownDevicesFailSetsButNotDeletesAndTheRestIsStillSent() throws Exception {
        session.apply(List.of(SetLink.up("lo"))); // warms the name cache
        KernelException e = assertThrows(KernelException.class, () -> session.apply(List.of(
                new DeleteNeighbor("ghost", ip("198.51.100.7")),
                new SetFdb(FdbEntry.remote("ghost", MAC, ip("203.0.113.9"))),
                new SetFdb(FdbEntry.remote("vxlan0", MAC, ip("203.0.113.9"))),
                new SetLink("vxlan0", null, null, null, "ghostbr"))));
        assertEquals(2, e.failures().size());
        assertEquals(Errno.ENODEV, e.errno());
        assertTrue(e.getMessage().startsWith("RTM_NEWNEIGH fdb 02:42:c6:33:64:07 dev ghost dst 203.0.113.9: ENODEV (19)"),
                e.getMessage());
        assertTrue(e.failures().get(1).getMessage().contains("ghostbr"));
        assertEquals(1, sent(Rtnl.RTM_NEWNEIGH).size());
        assertEquals(0, sent(Rtnl.RTM_DELNEIGH).size());
        assertEquals(2, sent(Rtnl.RTM_GETLINK).size(), "misses refresh the warm cache once per apply");
    }

    @Test
    void kernelErrorsCarryLabelErrnoAndExtackButAbsentDeletesSucceed() throws Exception {
        failByType.put(Rtnl.RTM_DELNEIGH, Errno.ENOENT);
        session.apply(List.of(new DeleteNeighbor("vxlan0", ip("198.51.100.7")),
                new DeleteFdb("vxlan0", MAC, null)));
        failByType.put(Rtnl.RTM_NEWNEIGH, Errno.EINVAL);
        KernelException e = assertThrows(KernelException.class, () -> session.apply(List.of(
                new SetNeighbor(Neighbor.permanent("vxlan0", ip("198.51.100.7"), MAC)))));
        assertEquals("RTM_NEWNEIGH 198.51.100.7 dev vxlan0: EINVAL (22): fake says no", e.getMessage());
        assertInstanceOf(SetNeighbor.class, e.change());
    }

    @Test
    void aDeviceRecreatedBehindTheCachesBackIsRetriedWithItsNewIndex() throws Exception {
        KernelChange fdb = new SetFdb(FdbEntry.remote("vxlan0", MAC, ip("203.0.113.9")));
        session.apply(List.of(fdb));
        links.put("vxlan0", 30); // deleted and recreated by someone else
        fake.answer = r -> r.type() == Rtnl.RTM_NEWNEIGH && ifindex(r) != 30
                ? FakeTransport.defaultAnswer(r, Errno.ENODEV, null) : kernel(r);
        session.apply(List.of(fdb));
        List<FakeTransport.Request> adds = sent(Rtnl.RTM_NEWNEIGH);
        assertEquals(List.of(7, 7, 30), adds.stream().map(NamespaceSessionTest::ifindex).toList());
    }

    @Test
    void closedSessionsRefuseWork() {
        session.close();
        session.close();
        assertTrue(fake.closed);
        assertThrows(java.io.IOException.class, () -> session.apply(List.of(SetLink.up("lo"))));
    }
}
