package io.jswarm.vxlan;

import static io.jswarm.vxlan.DataplaneFixture.NET;
import static io.jswarm.vxlan.DataplaneFixture.REMOTE_VTEP;
import static io.jswarm.vxlan.DataplaneFixture.endpoint;
import static io.jswarm.vxlan.DataplaneFixture.ip;
import static io.jswarm.vxlan.DataplaneFixture.peer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A restarted agent's data plane: adopting what the kernel has keeps forwarding until it is informed again. */
class KernelDataplaneAdoptTest {

    @Test
    void adoptKeepsPeersAndEndpointVethsThatEnsureWouldRemove() throws Exception {
        DataplaneFixture before = new DataplaneFixture();
        before.dataplane.ensureNetwork(NET);
        before.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.2/24"));
        before.dataplane.upsertPeers(NET.id(), List.of(peer("10.0.1.3", "02:42:0a:00:01:03", REMOTE_VTEP),
                peer("10.0.1.4", "02:42:0a:00:01:04", REMOTE_VTEP)));
        var kernelBefore = before.snapshot();

        // A fresh data plane over the same kernel, as after a daemon restart.
        KernelDataplane restarted = new KernelDataplane(before.kernel, before.config);
        before.kernel.clearRecords();
        restarted.adoptNetwork(NET);
        restarted.ensureEndpoint(endpoint("ep1", "10.0.1.2/24"));
        assertEquals(0, before.kernel.mutationCount(), "nothing touched: " + before.kernel.calls());
        assertEquals(kernelBefore, before.snapshot());

        // Informed again: only 10.0.1.3 is still a peer; the other goes, and reconcile is then clean.
        restarted.retainPeers(NET.id(), List.of(ip("10.0.1.3")));
        assertEquals(1, before.remoteFdb(before.netns(NET)).size());
        assertEquals(1, before.permanentNeighbors(before.netns(NET)).size());
        assertTrue(restarted.reconcile().clean());
    }

    @Test
    void ensureInsteadOfAdoptRemovesWhatItDoesNotKnow() throws Exception {
        DataplaneFixture before = new DataplaneFixture();
        before.dataplane.ensureNetwork(NET);
        before.dataplane.upsertPeers(NET.id(), List.of(peer("10.0.1.3", "02:42:0a:00:01:03", REMOTE_VTEP)));
        KernelDataplane restarted = new KernelDataplane(before.kernel, before.config);
        restarted.ensureNetwork(NET);
        assertEquals(0, before.remoteFdb(before.netns(NET)).size(), "the control: ensure converges to no peers");
    }
}
