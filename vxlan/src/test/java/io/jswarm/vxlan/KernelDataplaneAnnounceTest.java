package io.jswarm.vxlan;

import static io.jswarm.vxlan.DataplaneFixture.NET;
import static io.jswarm.vxlan.DataplaneFixture.REMOTE_VTEP;
import static io.jswarm.vxlan.DataplaneFixture.endpoint;
import static io.jswarm.vxlan.DataplaneFixture.ip;
import static io.jswarm.vxlan.DataplaneFixture.peer;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jswarm.vxlan.kernel.FakeKernel.Announcement;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * New peers are announced into {@code br0} (a gratuitous ARP each), so a local sandbox that asked for the
 * address before its entry existed is answered at once; {@code PeerAnnounceOnLinuxTest} proves the effect.
 */
class KernelDataplaneAnnounceTest {
    private final DataplaneFixture f = new DataplaneFixture();
    private final Netns ns = f.netns(NET);

    @BeforeEach
    void network() throws Exception {
        f.dataplane.ensureNetwork(NET);
    }

    @Test
    void newAndMovedPeersAreAnnouncedOnceIntoTheBridge() throws Exception {
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        f.kernel.clearRecords();
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.9", "02:42:0a:00:01:09", REMOTE_VTEP)));
        assertEquals(List.of(new Announcement(ns, "br0", ip("10.0.1.9"), MacAddress.parse("02:42:0a:00:01:09"))),
                f.kernel.announcements());

        f.kernel.clearRecords();
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.9", "02:42:0a:00:01:09", DataplaneFixture.OTHER_VTEP),
                peer("10.0.1.10", "02:42:0a:00:01:0a", REMOTE_VTEP)));
        assertEquals(List.of(ip("10.0.1.10")), f.kernel.announcements().stream().map(Announcement::ip).toList(),
                "a peer that only changed VTEP keeps its MAC: nothing a sandbox could hold is wrong");

        f.kernel.clearRecords();
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.10", "02:42:0a:00:01:0b", REMOTE_VTEP)));
        assertEquals(List.of(MacAddress.parse("02:42:0a:00:01:0b")),
                f.kernel.announcements().stream().map(Announcement::mac).toList(), "a new MAC is announced");
    }

    @Test
    void aNetworkWithoutLocalEndpointsAnnouncesNothing() throws Exception {
        f.kernel.clearRecords();
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.9", "02:42:0a:00:01:09", REMOTE_VTEP)));
        assertEquals(List.of(), f.kernel.announcements());
        assertEquals(1, f.permanentNeighbors(ns).size(), "the peer is programmed all the same");
    }
}
