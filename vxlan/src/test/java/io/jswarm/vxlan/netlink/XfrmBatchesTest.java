package io.jswarm.vxlan.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelException;
import io.jswarm.vxlan.kernel.XfrmPolicy;
import io.jswarm.vxlan.kernel.XfrmSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A mixed batch: each change reaches its socket, in order, and the failures of both come back in batch order. */
class XfrmBatchesTest {
    static final KernelChange UP = KernelChange.SetLink.up("br0");
    static final KernelChange DOWN = new KernelChange.SetLink("br1", false, null, null, null);
    static final KernelChange BLOCK = new KernelChange.SetXfrmPolicy(new XfrmPolicy(XfrmSelector.udpTo(4799),
            XfrmPolicy.Direction.OUT, 200, XfrmPolicy.Action.BLOCK, null));

    @Test
    void failuresOfBothSocketsComeBackInBatchOrder() {
        List<Object> rtnlSeen = new ArrayList<>();
        List<Object> xfrmSeen = new ArrayList<>();
        KernelException e = assertThrows(KernelException.class, () -> XfrmBatches.apply(List.of(UP, BLOCK, DOWN),
                rtnl -> {
                    rtnlSeen.addAll(rtnl);
                    throw new KernelException("RTM_NEWLINK br1", DOWN, Errno.ENODEV, "ENODEV", null);
                },
                xfrm -> {
                    xfrmSeen.addAll(xfrm);
                    return Map.of(1, new KernelException("XFRM_MSG_UPDPOLICY", BLOCK, Errno.ENOBUFS, "ENOBUFS", null));
                }));
        assertEquals(List.of(UP, DOWN), rtnlSeen);
        assertEquals(List.of(new XfrmSession.Indexed(1, BLOCK)), xfrmSeen);
        assertEquals(List.of(BLOCK, DOWN), e.failures().stream().map(KernelException::change).toList());
    }

    @Test
    void aBatchWithoutXfrmGoesToRtnetlinkAsItIs() throws Exception {
        List<KernelChange> batch = List.of(UP, DOWN);
        List<Object> seen = new ArrayList<>();
        XfrmBatches.apply(batch, seen::add, xfrm -> {
            throw new AssertionError("no XFRM change here");
        });
        assertEquals(List.of(batch), seen);
    }
}
