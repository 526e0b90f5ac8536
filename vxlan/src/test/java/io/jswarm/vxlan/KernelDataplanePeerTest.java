package io.jswarm.vxlan;

import static io.jswarm.vxlan.DataplaneFixture.NET;
import static io.jswarm.vxlan.DataplaneFixture.OTHER_VTEP;
import static io.jswarm.vxlan.DataplaneFixture.REMOTE_VTEP;
import static io.jswarm.vxlan.DataplaneFixture.ip;
import static io.jswarm.vxlan.DataplaneFixture.peer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.kernel.FdbEntry;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelException;
import io.jswarm.vxlan.kernel.Neighbor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class KernelDataplanePeerTest {
    private static final MacAddress MAC9 = MacAddress.parse("02:42:0a:00:01:09");
    private final DataplaneFixture f = new DataplaneFixture();
    private final Netns ns = f.netns(NET);

    @BeforeEach
    void network() throws Exception {
        f.dataplane.ensureNetwork(NET);
        f.kernel.clearRecords();
    }

    @Test
    void upsertProgramsNeighborAndFdbInOneBatch() throws Exception {
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.9", "02:42:0a:00:01:09", REMOTE_VTEP),
                peer("10.0.1.10", "02:42:0a:00:01:0a", OTHER_VTEP)));

        assertEquals(1, f.kernel.applyCount());
        assertTrue(f.permanentNeighbors(ns).contains(Neighbor.permanent("vxlan0", ip("10.0.1.9"), MAC9)));
        assertTrue(f.remoteFdb(ns).contains(FdbEntry.remote("vxlan0", MAC9, REMOTE_VTEP)));
        assertEquals(2, f.remoteFdb(ns).size());
        assertEquals(2, f.permanentNeighbors(ns).size());
    }

    @Test
    void aThousandPeersAreStillOneBatch() throws Exception {
        List<Peer> peers = new ArrayList<>();
        NetworkSpec big = NetworkSpec.of("big", 4200, "10.64.0.1/16", DataplaneFixture.VTEP);
        f.dataplane.ensureNetwork(big);
        f.kernel.clearRecords();
        for (int i = 0; i < 1000; i++) {
            peers.add(peer("10.64." + (i / 250 + 1) + "." + (i % 250 + 1), String.format("02:42:0a:40:%02x:%02x",
                    i / 250 + 1, i % 250 + 1), REMOTE_VTEP));
        }
        f.dataplane.upsertPeers("big", peers);
        assertEquals(1, f.kernel.applyCount());
        assertEquals(1000, f.remoteFdb(f.netns(big)).size());
    }

    @Test
    void aChangedMacDropsTheOldFdbEntry() throws Exception {
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.9", "02:42:0a:00:01:09", REMOTE_VTEP)));
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.9", "02:00:00:00:00:99", REMOTE_VTEP)));

        assertEquals(List.of(FdbEntry.remote("vxlan0", MacAddress.parse("02:00:00:00:00:99"), REMOTE_VTEP)),
                f.remoteFdb(ns));
        assertEquals(List.of(Neighbor.permanent("vxlan0", ip("10.0.1.9"), MacAddress.parse("02:00:00:00:00:99"))),
                f.permanentNeighbors(ns));
    }

    @Test
    void aChangedVtepReplacesTheEntry() throws Exception {
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.9", "02:42:0a:00:01:09", REMOTE_VTEP)));
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.9", "02:42:0a:00:01:09", OTHER_VTEP)));
        assertEquals(List.of(FdbEntry.remote("vxlan0", MAC9, OTHER_VTEP)), f.remoteFdb(ns));
        assertTrue(f.dataplane.reconcile().clean());
    }

    @Test
    void aPeerBehindOurOwnVtepIsLocalAndGetsNoEntries() throws Exception {
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.9", "02:42:0a:00:01:09", DataplaneFixture.VTEP)));
        assertEquals(0, f.kernel.mutationCount());

        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.10", "02:42:0a:00:01:0a", REMOTE_VTEP)));
        f.kernel.clearRecords();
        // The endpoint moved to this host: its remote entries go, in one batch.
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.10", "02:42:0a:00:01:0a", DataplaneFixture.VTEP)));
        assertEquals(1, f.kernel.applyCount());
        assertEquals(List.of(), f.remoteFdb(ns));
        assertEquals(List.of(), f.permanentNeighbors(ns));
        assertTrue(f.dataplane.reconcile().clean());
    }

    @Test
    void removePeersIsOneBatchAndIgnoresUnknownIps() throws Exception {
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.9", "02:42:0a:00:01:09", REMOTE_VTEP),
                peer("10.0.1.10", "02:42:0a:00:01:0a", OTHER_VTEP)));
        f.kernel.clearRecords();

        f.dataplane.removePeers("net1", List.of(ip("10.0.1.9"), ip("10.0.1.10"), ip("10.0.1.77")));

        assertEquals(1, f.kernel.applyCount());
        assertEquals(List.of(), f.remoteFdb(ns));
        assertEquals(List.of(), f.permanentNeighbors(ns));
        f.kernel.clearRecords();
        f.dataplane.removePeers("net1", List.of(ip("10.0.1.77")));
        f.dataplane.upsertPeers("net1", List.of());
        assertEquals(0, f.kernel.mutationCount());
        assertTrue(f.dataplane.reconcile().clean(), "removed peers are forgotten");
    }

    @Test
    void twoIpsSharingAMacKeepTheFdbEntryUntilBothAreGone() throws Exception {
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.9", "02:42:0a:00:01:09", REMOTE_VTEP),
                peer("10.0.1.19", "02:42:0a:00:01:09", REMOTE_VTEP)));
        f.dataplane.removePeers("net1", List.of(ip("10.0.1.9")));
        assertEquals(1, f.remoteFdb(ns).size());
        f.dataplane.removePeers("net1", List.of(ip("10.0.1.19")));
        assertEquals(0, f.remoteFdb(ns).size());
    }

    @Test
    void aFailedBatchRestoresThePreviousPeers() throws Exception {
        f.dataplane.upsertPeers("net1", List.of(peer("10.0.1.9", "02:42:0a:00:01:09", REMOTE_VTEP)));
        var before = f.snapshot();
        f.kernel.failWhen((n, c) -> c instanceof KernelChange.SetFdb, 105);

        assertThrows(KernelException.class, () -> f.dataplane.upsertPeers("net1", List.of(
                peer("10.0.1.9", "02:42:0a:00:01:09", OTHER_VTEP), peer("10.0.1.10", "02:42:0a:00:01:0a", OTHER_VTEP))));

        f.assertUnchangedBy(before);
        assertTrue(f.dataplane.reconcile().clean(), "the remembered peers are the old ones again");
    }

    @Test
    void badPeersChangeNothing() throws Exception {
        var before = f.snapshot();
        assertThrows(IllegalArgumentException.class, () -> f.dataplane.upsertPeers("net1",
                List.of(peer("10.0.1.9", "02:42:0a:00:01:09", REMOTE_VTEP), peer("10.9.9.9", "02:00:00:00:00:01",
                        REMOTE_VTEP))));
        assertThrows(IllegalArgumentException.class, () -> f.dataplane.upsertPeers("net1",
                List.of(new Peer(ip("10.0.1.9"), MAC9, ip("2001:db8::1")))));
        f.assertUnchangedBy(before);
        assertEquals(0, f.kernel.mutationCount());
    }
}
