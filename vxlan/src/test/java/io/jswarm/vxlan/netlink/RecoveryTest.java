package io.jswarm.vxlan.netlink;

import static org.junit.jupiter.api.Assertions.*;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.FdbEntry;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelChange.*;
import io.jswarm.vxlan.kernel.LinkSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RecoveryTest {
    static final int U = NetlinkChannel.UNKNOWN;
    final List<List<Integer>> resent = new ArrayList<>();

    static final List<KernelChange> CHANGES = List.of(
            new AddLink(new LinkSpec.Bridge("br0", 0, null)),
            new AddLink(new LinkSpec.Bridge("br1", 0, null)),
            new MoveLink("veth1", Netns.named("x"), "eth0"),
            new MoveLink("veth2", Netns.named("x"), "eth0"),
            new SetFdb(FdbEntry.remote("vxlan0", MacAddress.parse("02:42:00:00:00:01"),
                    IpPrefix.parseAddress("203.0.113.1"))),
            new DeleteLink("br9"));

    NetlinkChannel.Outcomes outcomes(int... errno) {
        return new NetlinkChannel.Outcomes(errno, new String[errno.length]);
    }

    @Test
    void settlesLinkChangesFromADumpAndResendsTheRest() throws Exception {
        NetlinkChannel.Outcomes out = outcomes(U, U, U, U, U, 0);
        Recovery.recover(CHANGES, out, positions -> {
            resent.add(positions);
            return outcomes(new int[positions.size()]);
        }, () -> Set.of("br0", "veth2"), 3);
        // br0 exists: its add took effect; veth1 is gone from here: its move took effect.
        assertEquals(List.of(List.of(1, 3, 4)), resent);
        assertArrayEquals(new int[6], out.errno());
    }

    @Test
    void aResendCanFailForReal() throws Exception {
        NetlinkChannel.Outcomes out = outcomes(0, 0, 0, 0, U, 0);
        Recovery.recover(CHANGES, out, positions -> {
            NetlinkChannel.Outcomes again = outcomes(Errno.EINVAL);
            again.extack()[0] = "bad";
            return again;
        }, () -> {
            throw new AssertionError("no link change is unknown: no dump needed");
        }, 3);
        assertEquals(Errno.EINVAL, out.errno()[4]);
        assertEquals("bad", out.extack()[4]);
    }

    @Test
    void answersLostEveryRoundBecomeEnobufs() throws Exception {
        NetlinkChannel.Outcomes out = outcomes(0, 0, 0, 0, U, 0);
        Recovery.recover(CHANGES, out, positions -> {
            resent.add(positions);
            return outcomes(U);
        }, Set::of, 3);
        assertEquals(3, resent.size());
        assertEquals(Errno.ENOBUFS, out.errno()[4]);
    }

    @Test
    void onlyDeletesOfAbsentThingsAreHarmless() {
        KernelChange delete = new DeleteNeighbor("vxlan0", IpPrefix.parseAddress("198.51.100.1"));
        for (int errno : new int[] {Errno.ENOENT, Errno.ENODEV, Errno.ESRCH, Errno.EADDRNOTAVAIL}) {
            assertTrue(Recovery.isHarmless(delete, errno));
            assertFalse(Recovery.isHarmless(CHANGES.get(4), errno));
        }
        assertFalse(Recovery.isHarmless(delete, Errno.EPERM));
        assertFalse(Recovery.isHarmless(CHANGES.getFirst(), Errno.EEXIST));
    }
}
