package io.jswarm.agent.net;

import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.gossip.replication.TableReplicator;
import io.jswarm.gossip.table.ViewChange;
import io.jswarm.vxlan.Dataplane;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Peer;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a network table's view changes into kernel peers (static ARP + FDB through the {@link Dataplane})
 * and DNS names. Runs on the replicator's thread. Only networks this host has programmed get kernel
 * entries (the replicator may report a network a moment before it is made, or after it is removed); the
 * node's own endpoints are local ports of {@code br0}, never remote peers.
 */
final class TableBridge implements TableReplicator.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(TableBridge.class);

    private final String localNode;
    private final Dataplane dataplane;
    private final Function<String, String> specId;
    /** A network's name by id ({@code NAME.NETWORK} lookups); empty if unknown. */
    private final Function<String, String> networkName;
    /** Networks present in the kernel (by full network id). */
    final Set<String> programmed = ConcurrentHashMap.newKeySet();
    /** The names of each sandbox, by sandbox key, and which networks feed them. */
    private final Map<String, SandboxNames> names = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> sandboxNetworks = new ConcurrentHashMap<>();
    private volatile TableReplicator replicator;

    TableBridge(String localNode, Dataplane dataplane, Function<String, String> specId,
                Function<String, String> networkName) {
        this.localNode = localNode;
        this.dataplane = dataplane;
        this.specId = specId;
        this.networkName = networkName;
    }

    void replicator(TableReplicator r) {
        this.replicator = r;
    }

    @Override
    public void onChanges(String networkId, List<ViewChange> changes) {
        if (programmed.contains(networkId)) {
            List<Peer> upserts = new ArrayList<>();
            List<InetAddress> removals = new ArrayList<>();
            for (ViewChange c : changes) {
                switch (c) {
                    case ViewChange.Added a -> peer(a.record()).ifPresent(upserts::add);
                    case ViewChange.Updated u -> {
                        if (!u.previous().ip().equals(u.record().ip()) && remote(u.previous())) {
                            removals.add(u.previous().ip());
                        }
                        peer(u.record()).ifPresent(upserts::add);
                    }
                    case ViewChange.Removed r -> {
                        if (remote(r.previous())) {
                            removals.add(r.previous().ip());
                        }
                    }
                }
            }
            try {
                if (!removals.isEmpty()) {
                    dataplane.removePeers(specId.apply(networkId), removals);
                }
                if (!upserts.isEmpty()) {
                    dataplane.upsertPeers(specId.apply(networkId), upserts);
                }
                LOG.debug("peers applied network={} added={} removed={}", networkId, upserts.size(), removals.size());
            } catch (Exception e) {
                // The network may be going away under us (last detach); reconcile repairs anything else.
                LOG.warn("peers not applied network={} error={}", networkId, e.toString());
            }
        }
        refreshNames(networkId);
    }

    /** Every remote peer currently visible on the network (after the network is (re)made in the kernel). */
    void reprogram(String networkId) {
        TableReplicator r = replicator;
        if (r == null) {
            return;
        }
        List<ViewChange> all = new ArrayList<>();
        r.visible(networkId).forEach((id, rec) -> all.add(new ViewChange.Added(id, rec)));
        onChanges(networkId, all);
    }

    private java.util.Optional<Peer> peer(EndpointRecord rec) {
        if (!remote(rec)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Peer(rec.ip(), MacAddress.parse(rec.mac()), rec.vtep()));
    }

    private boolean remote(EndpointRecord rec) {
        return !rec.ownerNode().equals(localNode);
    }

    // ---- names ----

    /** The live lookup of a sandbox (made on first use). */
    SandboxNames names(String sandboxKey) {
        return names.computeIfAbsent(sandboxKey, k -> new SandboxNames());
    }

    /** Which networks a sandbox is on, then rebuilds its names. */
    void sandboxNetworks(String sandboxKey, Collection<String> networkIds) {
        if (networkIds.isEmpty()) {
            sandboxNetworks.remove(sandboxKey);
            names.remove(sandboxKey);
            return;
        }
        sandboxNetworks.put(sandboxKey, Set.copyOf(networkIds));
        rebuild(sandboxKey);
    }

    private void refreshNames(String networkId) {
        sandboxNetworks.forEach((key, nets) -> {
            if (nets.contains(networkId)) {
                rebuild(key);
            }
        });
    }

    private void rebuild(String sandboxKey) {
        TableReplicator r = replicator;
        Set<String> nets = sandboxNetworks.getOrDefault(sandboxKey, Set.of());
        Map<String, Map<String, EndpointRecord>> views = new java.util.LinkedHashMap<>();
        if (r != null) {
            // Keyed by name (unique in a cluster); by id while the name is unknown, so no view is lost.
            for (String n : nets) {
                String name = networkName.apply(n);
                views.put(name == null || name.isEmpty() ? n : name, r.visible(n));
            }
        }
        names(sandboxKey).update(views);
    }
}
