package io.jswarm.agent.net;

import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.gossip.table.ViewChange;
import io.jswarm.vxlan.Dataplane;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Peer;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of every network's kernel peers (static ARP + FDB through the {@link Dataplane}) and of the
 * sandboxes' names. Runs on the {@link AgentLoop} only. It keeps a mirror of each joined network's table,
 * fed in order by the replicator's view changes (the replicator's thread only enqueues them), so programming
 * a network never races with a change: a snapshot taken on the loop plus every later change is the table.
 *
 * <p>The kernel's peers of a network are the desired state computed per IP: a remote table entry with that
 * IP if there is one, else a peer adopted from the kernel at start that is not known to be gone, else
 * nothing. <b>Adopted peers</b> keep forwarding after this daemon restarts while their owners' daemons are
 * not back yet: the data plane never depends on the control plane. One goes only when it is known to be gone:
 * its owner is back (gossip alive, settled, and at least one of its entries arrived) and does not list it, or
 * the manager's view no longer has
 * its owner on the network (the node left, was removed, or has no endpoint there any more).
 */
final class PeerWriter {
    private static final Logger LOG = LoggerFactory.getLogger(PeerWriter.class);

    private final String localNode;
    private final Dataplane dataplane;
    private final Function<String, String> specId;
    /** A network's name by id ("" while unknown): sandboxes resolve {@code NAME.NETWORK}. */
    private final Function<String, String> networkName;
    private final java.util.function.Predicate<String> internal;
    /** Visible entries of each joined network's table, by network id then endpoint id. */
    private final Map<String, Map<String, EndpointRecord>> tables = new HashMap<>();
    /** Networks present in the kernel (by full network id). */
    private final Set<String> programmed = new HashSet<>();
    /** Peers found in the kernel at start that no table has confirmed or superseded yet, per network. */
    private final Map<String, Map<InetAddress, Peer>> adopted = new HashMap<>();
    /** VTEPs whose owners are back (gossip alive, settle elapsed): their tables decide their adopted peers. */
    private final Set<InetAddress> settled = new HashSet<>();
    /** The names of each sandbox, by sandbox key, and which networks feed them. */
    private final Map<String, SandboxNames> names = new HashMap<>();
    private final Map<String, Set<String>> sandboxNetworks = new HashMap<>();
    /** Issue 12: per network, endpoint ids under a lease grant not claimed yet (the view's): names on their word. */
    private final Map<String, Set<String>> provisional = new HashMap<>();

    private java.util.function.ObjIntConsumer<String> tableSize = (n, size) -> { };

    /** Told each joined table's size after every change ({@code -1} once left), for metrics. */
    void onTableSize(java.util.function.ObjIntConsumer<String> listener) {
        this.tableSize = listener;
    }

    PeerWriter(String localNode, Dataplane dataplane, Function<String, String> specId,
               Function<String, String> networkName) {
        this(localNode, dataplane, specId, networkName, id -> false);
    }

    /** @param internal whether a network is {@code --internal} (a sandbox on internal networks only forwards no DNS) */
    PeerWriter(String localNode, Dataplane dataplane, Function<String, String> specId,
               Function<String, String> networkName, java.util.function.Predicate<String> internal) {
        this.localNode = localNode;
        this.dataplane = dataplane;
        this.specId = specId;
        this.networkName = networkName;
        this.internal = internal;
    }

    // ---- tables ----

    /** The network's table joined (or re-read): {@code snapshot} is its visible entries now. */
    void table(String networkId, Map<String, EndpointRecord> snapshot) {
        Map<String, EndpointRecord> before = tables.put(networkId, new LinkedHashMap<>(snapshot));
        Set<InetAddress> affected = ips(snapshot.values());
        if (before != null) {
            affected.addAll(ips(before.values()));
        }
        program(networkId, affected);
        snapshot.values().stream().map(EndpointRecord::vtep).distinct().forEach(v -> confirm(networkId, v));
        refreshNames(networkId);
        tableSize.accept(networkId, snapshot.size());
    }

    /** The table is left (no local endpoint any more): its entries no longer feed anything. */
    void leftTable(String networkId) {
        tables.remove(networkId);
        refreshNames(networkId);
        tableSize.accept(networkId, -1);
    }

    boolean hasTable(String networkId) {
        return tables.containsKey(networkId);
    }

    Map<String, EndpointRecord> visible(String networkId) {
        return Map.copyOf(tables.getOrDefault(networkId, Map.of()));
    }

    /** Changes from the replicator, in its order. Networks whose table is not joined here are ignored. */
    void onChanges(String networkId, List<ViewChange> changes) {
        Map<String, EndpointRecord> table = tables.get(networkId);
        if (table == null) {
            return;
        }
        Set<InetAddress> affected = new HashSet<>();
        Set<InetAddress> owners = new HashSet<>();
        for (ViewChange c : changes) {
            switch (c) {
                case ViewChange.Added a -> {
                    table.put(a.endpointId(), a.record());
                    affected.add(a.record().ip());
                    owners.add(a.record().vtep());
                }
                case ViewChange.Updated u -> {
                    table.put(u.endpointId(), u.record());
                    affected.add(u.previous().ip());
                    affected.add(u.record().ip());
                    owners.add(u.record().vtep());
                }
                case ViewChange.Removed r -> {
                    table.remove(r.endpointId());
                    affected.add(r.previous().ip());
                }
            }
        }
        program(networkId, affected);
        owners.forEach(v -> confirm(networkId, v));
        refreshNames(networkId);
        tableSize.accept(networkId, table.size());
    }

    // ---- kernel ----

    /**
     * The network is now in the kernel. {@code adoptedFromKernel}: a restart found it there; the peers the
     * data plane found are kept until known gone.
     */
    void programmed(String networkId, boolean adoptedFromKernel) {
        programmed.add(networkId);
        Set<InetAddress> all = ips(tables.getOrDefault(networkId, Map.of()).values());
        if (adoptedFromKernel) {
            Map<InetAddress, Peer> found = new LinkedHashMap<>(dataplane.peers(specId.apply(networkId)));
            if (!found.isEmpty()) {
                adopted.put(networkId, found);
                all.addAll(found.keySet());
            }
        }
        program(networkId, all);
    }

    /** The network left the kernel (its last local endpoint went). */
    void unprogrammed(String networkId) {
        programmed.remove(networkId);
        adopted.remove(networkId);
    }

    boolean isProgrammed(String networkId) {
        return programmed.contains(networkId);
    }

    /**
     * The node whose VTEP is {@code vtep} is back and its tables had time to refill. Its adopted peers that its
     * entries do not list went while this daemon was away; but only once the table holds at least one of its
     * entries (evidence that its current state arrived, not a slow exchange): until then they keep forwarding.
     * An owner with no endpoint left on a network is not a participant there any more ({@link #participants}).
     */
    void ownerSettled(InetAddress vtep) {
        settled.add(vtep);
        for (String net : List.copyOf(adopted.keySet())) {
            confirm(net, vtep);
        }
    }

    private void confirm(String networkId, InetAddress vtep) {
        Map<InetAddress, Peer> mine = adopted.get(networkId);
        if (mine == null || !settled.contains(vtep)) {
            return;
        }
        Map<String, EndpointRecord> table = tables.getOrDefault(networkId, Map.of());
        Set<InetAddress> listed = new HashSet<>();
        table.values().stream().filter(r -> remote(r) && r.vtep().equals(vtep)).forEach(r -> listed.add(r.ip()));
        if (listed.isEmpty()) {
            return; // nothing of the owner's here yet: no evidence, keep forwarding
        }
        dropAdopted(networkId, mine, p -> p.vtep().equals(vtep) && !listed.contains(p.ip()), "owner back without them");
    }

    /**
     * The manager's current view: an adopted peer whose VTEP belongs to no node that still has endpoints on
     * the network (per {@code participantVteps}) is gone.
     */
    void participants(String networkId, Set<InetAddress> participantVteps) {
        Map<InetAddress, Peer> mine = adopted.get(networkId);
        if (mine == null) {
            return;
        }
        dropAdopted(networkId, mine, p -> !participantVteps.contains(p.vtep()), "owner not on the network");
    }

    /** Adopted peers known gone (matching {@code gone}) stop being kept, and their IPs are programmed anew. */
    private void dropAdopted(String networkId, Map<InetAddress, Peer> mine, java.util.function.Predicate<Peer> gone,
                             String reason) {
        List<InetAddress> ips = mine.values().stream().filter(gone).map(Peer::ip).toList();
        if (!ips.isEmpty()) {
            ips.forEach(mine::remove);
            LOG.info("adopted peers dropped network={} peers={} reason=\"{}\"", networkId, ips.size(), reason);
            program(networkId, new HashSet<>(ips));
        }
    }

    /** Ends the data plane's adoption of every programmed network, keeping exactly the desired peers. */
    void endAdoption() {
        for (String net : List.copyOf(programmed)) {
            Set<InetAddress> keep = new HashSet<>(adopted.getOrDefault(net, Map.of()).keySet());
            tables.getOrDefault(net, Map.of()).values().stream().filter(this::remote).map(EndpointRecord::ip)
                    .forEach(keep::add);
            try {
                dataplane.retainPeers(specId.apply(net), keep);
            } catch (IOException | RuntimeException e) {
                LOG.warn("stale peers not removed network={} error={}", net, e.toString());
            }
        }
    }

    /** Brings the kernel's peers for {@code ips} to the desired state, in one batch of each kind. */
    private void program(String networkId, Set<InetAddress> ips) {
        if (!programmed.contains(networkId) || ips.isEmpty()) {
            return;
        }
        String spec = specId.apply(networkId);
        Map<InetAddress, Peer> current = dataplane.peers(spec);
        Map<InetAddress, Peer> adoptedHere = adopted.getOrDefault(networkId, new HashMap<>());
        List<Peer> upserts = new ArrayList<>();
        List<InetAddress> removals = new ArrayList<>();
        for (InetAddress ip : ips) {
            Optional<Peer> want = fromTable(networkId, ip);
            if (want.isPresent()) {
                adoptedHere.remove(ip); // the table governs this IP from now on
            } else {
                want = Optional.ofNullable(adoptedHere.get(ip));
            }
            Peer have = current.get(ip);
            if (want.isPresent() && !want.get().equals(have)) {
                upserts.add(want.get());
            } else if (want.isEmpty() && have != null) {
                removals.add(ip);
            }
        }
        try {
            if (!removals.isEmpty()) {
                dataplane.removePeers(spec, removals);
            }
            if (!upserts.isEmpty()) {
                dataplane.upsertPeers(spec, upserts);
            }
            LOG.debug("peers applied network={} added={} removed={}", networkId, upserts.size(), removals.size());
        } catch (IOException | RuntimeException e) {
            // The periodic reconcile (kernel repair, then every table re-read) fixes whatever did not go in.
            LOG.warn("peers not applied network={} error={}", networkId, e.toString());
        }
    }

    /**
     * The remote entry for {@code ip}. Several valid entries can claim one IP (an old allocation whose owner is
     * gone but not yet known gone, and the new one): the highest allocation index is the manager's latest word;
     * among equal ones the lowest endpoint id (the same on every node). Computed from the remaining entries every
     * time, so a withdrawn entry removes the kernel peer only when no valid entry still needs it.
     */
    private Optional<Peer> fromTable(String networkId, InetAddress ip) {
        Comparator<Map.Entry<String, EndpointRecord>> latest = Comparator.<Map.Entry<String, EndpointRecord>>comparingLong(
                e -> -e.getValue().allocation()).thenComparing(Map.Entry.comparingByKey(Comparator.naturalOrder()));
        return tables.getOrDefault(networkId, Map.of()).entrySet().stream()
                .filter(e -> remote(e.getValue()) && e.getValue().ip().equals(ip))
                .min(latest)
                .map(e -> new Peer(ip, MacAddress.parse(e.getValue().mac()), e.getValue().vtep()));
    }

    private boolean remote(EndpointRecord rec) {
        return !rec.ownerNode().equals(localNode);
    }

    private static Set<InetAddress> ips(Collection<EndpointRecord> records) {
        Set<InetAddress> out = new HashSet<>();
        records.forEach(r -> out.add(r.ip()));
        return out;
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

    /**
     * Issue 12: the endpoints of {@code networkId} whose entries stand on a lease grant (the manager has not seen their
     * names): a name they share with a manager-granted entry resolves to the granted one only, so a lease holder
     * cannot slip its address into another endpoint's name.
     */
    void provisional(String networkId, Set<String> endpointIds) {
        Set<String> next = Set.copyOf(endpointIds);
        Set<String> before = next.isEmpty() ? provisional.remove(networkId) : provisional.put(networkId, next);
        if (!next.equals(before == null ? Set.of() : before)) {
            refreshNames(networkId);
        }
    }

    /** {@code table} less the provisional entries that share a name or alias with a manager-granted one. */
    static Map<String, EndpointRecord> shadowed(Map<String, EndpointRecord> table, Set<String> provisional) {
        if (provisional.isEmpty()) {
            return table;
        }
        Set<String> granted = new HashSet<>();
        table.forEach((id, r) -> {
            if (!provisional.contains(id)) {
                granted.add(r.name().toLowerCase(java.util.Locale.ROOT));
                r.aliases().forEach(a -> granted.add(a.toLowerCase(java.util.Locale.ROOT)));
            }
        });
        Map<String, EndpointRecord> out = new LinkedHashMap<>();
        table.forEach((id, r) -> {
            boolean clash = java.util.stream.Stream.concat(java.util.stream.Stream.of(r.name()), r.aliases().stream())
                    .anyMatch(x -> granted.contains(x.toLowerCase(java.util.Locale.ROOT)));
            if (!provisional.contains(id) || !clash) {
                out.put(id, r);
            }
        });
        return out;
    }

    private void rebuild(String sandboxKey) {
        // Keyed by name (unique in a cluster); by id while the name is unknown, so no table is lost.
        Map<String, Map<String, EndpointRecord>> views = new LinkedHashMap<>();
        boolean external = false;
        for (String n : sandboxNetworks.getOrDefault(sandboxKey, Set.of())) {
            String name = networkName.apply(n);
            views.put(name == null || name.isEmpty() ? n : name, shadowed(tables.getOrDefault(n, Map.of()),
                    provisional.getOrDefault(n, Set.of())));
            external |= !internal.test(n);
        }
        names(sandboxKey).update(views, external);
    }
}
