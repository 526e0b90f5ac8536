package io.jswarm.manager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.NetworkView;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.SessionDownstream;
import io.jswarm.proto.cluster.ViewPage;
import io.jswarm.proto.state.Network;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The view in bounded pages: every page under the budget, and only a whole view comes out. */
class ViewPagesTest {
    static ClusterView view(int networks, int labelBytes, long index) {
        ClusterView.Builder b = ClusterView.newBuilder().setClusterId("c").setStateIndex(index)
                .addNodes(NodeInfo.newBuilder().setId("n1").setHostname("h1"));
        for (int i = 0; i < networks; i++) {
            b.addNetworks(NetworkView.newBuilder().setNetwork(Network.newBuilder().setNetworkId("id" + i)
                    .setName("net" + i).putLabels("k", "v".repeat(labelBytes))).addNodeIds("n1"));
        }
        return b.build();
    }

    static Optional<ClusterView> feed(ViewPages.Assembler a, List<SessionDownstream> pages) {
        Optional<ClusterView> out = Optional.empty();
        for (int i = 0; i < pages.size(); i++) {
            assertFalse(out.isPresent(), "a view came out before its last page");
            out = a.offer(pages.get(i).getViewPage());
        }
        return out;
    }

    @Test
    void aViewLargerThanGrpcsLimitGoesInPagesUnderTheBudgetAndComesBackWhole() {
        ClusterView v = view(600, 16 * 1024, 42); // ~9.8 MB as one message: over gRPC's 4 MiB
        assertTrue(v.getSerializedSize() > 4 * 1024 * 1024);
        List<SessionDownstream> pages = ViewPages.split(v, ViewPages.PAGE_BYTES);
        assertTrue(pages.size() >= 10, "pages " + pages.size());
        for (SessionDownstream p : pages) {
            assertTrue(p.getSerializedSize() <= ViewPages.PAGE_BYTES + 64, "page of " + p.getSerializedSize());
            assertEquals(pages.size(), p.getViewPage().getCount());
            assertEquals(42, p.getViewPage().getPart().getStateIndex());
        }
        assertEquals(Optional.of(v), feed(new ViewPages.Assembler(), pages));
    }

    @Test
    void aSmallViewIsOnePageAndAnEmptyOneToo() {
        assertEquals(1, ViewPages.split(view(3, 10, 1), ViewPages.PAGE_BYTES).size());
        ClusterView empty = ClusterView.newBuilder().setClusterId("c").build();
        assertEquals(Optional.of(empty), feed(new ViewPages.Assembler(), ViewPages.split(empty, ViewPages.PAGE_BYTES)));
    }

    @Test
    void aPageOutOfOrderDropsThePartialViewAndTheNextViewStillAssembles() {
        ViewPages.Assembler a = new ViewPages.Assembler();
        List<SessionDownstream> first = ViewPages.split(view(10, 1000, 7), 4000);
        assertTrue(first.size() > 3);
        assertEquals(Optional.empty(), a.offer(first.get(0).getViewPage()));
        assertEquals(Optional.empty(), a.offer(first.get(2).getViewPage())); // page 1 lost
        assertFalse(a.pending());
        for (int i = 3; i < first.size(); i++) {
            assertEquals(Optional.empty(), a.offer(first.get(i).getViewPage()), "the rest of a broken view");
        }
        ClusterView next = view(10, 1000, 8);
        assertEquals(Optional.of(next), feed(a, ViewPages.split(next, 4000)));
        // A continuation of another state index is not glued onto this one.
        List<SessionDownstream> other = ViewPages.split(view(10, 1000, 9), 4000);
        a.offer(first.get(0).getViewPage());
        assertEquals(Optional.empty(), a.offer(other.get(1).getViewPage()));
        assertFalse(a.pending());
        assertEquals(Optional.empty(), a.offer(ViewPage.newBuilder().setIndex(0).setCount(0).build()));
    }
}
