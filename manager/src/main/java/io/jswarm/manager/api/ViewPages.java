package io.jswarm.manager.api;

import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.NetworkView;
import io.jswarm.proto.cluster.SessionDownstream;
import io.jswarm.proto.cluster.ViewPage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@link ClusterView} on the session stream in bounded pages (issue 9, finding 12: one message holding
 * every network outgrew gRPC's 4 MiB and every worker's session failed). The manager {@link #split}s each
 * view it pushes into pages of at most {@link #PAGE_BYTES} (a single network larger than that, which
 * {@code NetworkLabels} makes impossible, still travels alone in its page), sent back to back under the
 * session's lock; the agent's {@link Assembler} joins them and hands out the whole view only when its last
 * page arrived. So an agent always applies one complete view of one state index, and no message grows with
 * the number of networks.
 */
public final class ViewPages {
    /** A quarter of gRPC's default 4 MiB inbound limit: room for the node table and any one network. */
    public static final int PAGE_BYTES = 1024 * 1024;
    /** What a repeated-field entry costs beyond its message (tag + length varint), rounded up. */
    private static final int ENTRY_OVERHEAD = 8;

    private ViewPages() {
    }

    /** The pages of {@code v}, in order; at least one. */
    public static List<SessionDownstream> split(ClusterView v, int pageBytes) {
        ClusterView header = v.toBuilder().clearNetworks().build();
        List<List<NetworkView>> parts = new ArrayList<>();
        List<NetworkView> current = new ArrayList<>();
        long size = header.getSerializedSize();
        for (NetworkView n : v.getNetworksList()) {
            long add = n.getSerializedSize() + ENTRY_OVERHEAD;
            if (!current.isEmpty() && size + add > pageBytes) {
                parts.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(n);
            size += add;
        }
        parts.add(current);
        List<SessionDownstream> pages = new ArrayList<>(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            ClusterView part = (i == 0 ? header.toBuilder() : ClusterView.newBuilder().setStateIndex(v.getStateIndex()))
                    .addAllNetworks(parts.get(i)).build();
            pages.add(SessionDownstream.newBuilder().setViewPage(ViewPage.newBuilder().setIndex(i)
                    .setCount(parts.size()).setPart(part)).build());
        }
        return pages;
    }

    /**
     * Joins pages back into views, for one session stream (not thread-safe: a stream's messages arrive one
     * at a time). A page that does not continue the view being assembled (wrong index, count or state
     * index, as after a lost page) drops the partial view; the next page 0 starts afresh.
     */
    public static final class Assembler {
        private ClusterView.Builder partial;
        private int next;
        private int count;

        /** The whole view if {@code page} completed one. */
        public Optional<ClusterView> offer(ViewPage page) {
            if (page.getCount() < 1 || page.getIndex() >= page.getCount()) {
                partial = null;
                return Optional.empty();
            }
            if (page.getIndex() == 0) {
                partial = page.getPart().toBuilder();
                count = page.getCount();
            } else if (partial == null || page.getIndex() != next || page.getCount() != count
                    || page.getPart().getStateIndex() != partial.getStateIndex()) {
                partial = null;
                return Optional.empty();
            } else {
                partial.addAllNetworks(page.getPart().getNetworksList());
            }
            next = page.getIndex() + 1;
            if (next < count) {
                return Optional.empty();
            }
            ClusterView whole = partial.build();
            partial = null;
            return Optional.of(whole);
        }

        /** Whether a view is half assembled (for tests and logs). */
        public boolean pending() {
            return partial != null;
        }
    }
}
