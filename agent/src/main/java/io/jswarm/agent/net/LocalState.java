package io.jswarm.agent.net;

import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.LocalEndpoint;
import io.jswarm.proto.cluster.LocalEndpointState;
import io.jswarm.proto.cluster.LocalSandbox;
import io.jswarm.proto.cluster.LocalSandboxes;
import io.jswarm.proto.cluster.NetworkView;
import io.jswarm.proto.cluster.PendingRelease;
import io.jswarm.proto.state.Network;
import io.jswarm.vxlan.Netns;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The agent's own record of its sandboxes, their endpoints and the networks they are on: the desired local
 * state, with the intent of a change under way ({@link LocalEndpointState}) and the releases the manager has
 * not confirmed. Owned by the agent's loop thread ({@link AgentLoop}): only that thread reads or writes it.
 */
final class LocalState {
    /** An endpoint with the sandbox holding it. */
    record Located(LocalSandbox sandbox, LocalEndpoint endpoint) {
    }

    private volatile Map<String, LocalSandbox> sandboxes = new LinkedHashMap<>();
    private volatile Map<String, Network> networks = new LinkedHashMap<>();
    private volatile String vtep = "";
    private volatile List<NetworkView> views = List.of();
    private volatile int dataPathPort;
    private volatile List<PendingRelease> releases = List.of();
    /** Issue 12: addresses the manager leased to this node ({@link AddressLeases}). */
    private volatile List<io.jswarm.proto.cluster.LocalLease> leases = List.of();

    void load(SandboxStore store) throws IOException {
        restore(store.load());
    }

    void save(SandboxStore store) throws IOException {
        store.save(copy());
    }

    /** The saved participants of this node's networks (from the last view). */
    List<NetworkView> views() {
        return views;
    }

    /** Keeps the view's entries for this node's networks; true if they changed (worth saving). */
    boolean views(ClusterView view) {
        List<NetworkView> mine = view.getNetworksList().stream()
                .filter(v -> networks.containsKey(v.getNetwork().getNetworkId())).toList();
        if (mine.equals(views)) {
            return false;
        }
        views = List.copyOf(mine);
        return true;
    }

    /** An immutable copy, for undoing a failed change. */
    LocalSandboxes copy() {
        return LocalSandboxes.newBuilder().addAllSandboxes(sandboxes.values()).addAllNetworks(networks.values())
                .setVtep(vtep).setDataPathPort(dataPathPort).addAllNetworkViews(views).addAllReleases(releases).addAllLeases(leases).build();
    }

    void restore(LocalSandboxes s) {
        Map<String, LocalSandbox> sbs = new LinkedHashMap<>();
        s.getSandboxesList().forEach(sb -> sbs.put(sb.getKey(), sb));
        Map<String, Network> nets = new LinkedHashMap<>();
        s.getNetworksList().forEach(n -> nets.put(n.getNetworkId(), n));
        sandboxes = sbs;
        networks = nets;
        vtep = s.getVtep();
        dataPathPort = s.getDataPathPort();
        views = List.copyOf(s.getNetworkViewsList());
        releases = List.copyOf(s.getReleasesList());
        leases = List.copyOf(s.getLeasesList());
    }

    // ---- issue 12: address leases ----

    List<io.jswarm.proto.cluster.LocalLease> leases() {
        return leases;
    }

    void leases(List<io.jswarm.proto.cluster.LocalLease> next) {
        leases = List.copyOf(next);
    }

    /** Whether a local endpoint, or a release on its way, has endpoint id {@code id} (a used lease). */
    boolean endpointIdInUse(String id) {
        return sandboxes.values().stream().flatMap(sb -> sb.getEndpointsList().stream())
                .anyMatch(e -> e.getEndpointId().equals(id)) || releases.stream().anyMatch(r -> r.getEndpointId().equals(id));
    }

    /** Endpoints attached from a lease whose claim the manager has not confirmed. */
    List<Located> pendingClaims() {
        List<Located> out = new ArrayList<>();
        for (LocalSandbox sb : sandboxes.values()) {
            sb.getEndpointsList().stream().filter(LocalEndpoint::getLeaseClaimPending)
                    .forEach(e -> out.add(new Located(sb, e)));
        }
        return out;
    }

    /** Replaces one endpoint of sandbox {@code key} (same id). */
    void replaceEndpoint(String key, LocalEndpoint le) {
        LocalSandbox sb = sandboxes.get(key);
        if (sb == null) {
            return;
        }
        var b = sb.toBuilder().clearEndpoints();
        sb.getEndpointsList().forEach(e -> b.addEndpoints(e.getEndpointId().equals(le.getEndpointId()) ? le : e));
        Map<String, LocalSandbox> sbs = new LinkedHashMap<>(sandboxes);
        sbs.put(key, b.build());
        sandboxes = sbs;
    }

    /** Endpoints gone here whose release the manager has not confirmed. */
    List<PendingRelease> releases() {
        return releases;
    }

    PendingRelease addRelease(String networkId, String endpointId) {
        PendingRelease r = PendingRelease.newBuilder().setNetworkId(networkId).setEndpointId(endpointId).build();
        List<PendingRelease> next = new ArrayList<>(releases);
        next.add(r);
        releases = List.copyOf(next);
        return r;
    }

    /** True if it was pending. */
    boolean released(String endpointId) {
        List<PendingRelease> next = releases.stream().filter(r -> !r.getEndpointId().equals(endpointId)).toList();
        boolean changed = next.size() != releases.size();
        releases = next;
        return changed;
    }

    /** Sets the state of one endpoint (the rest of it unchanged). */
    void state(String key, String endpointId, LocalEndpointState st) {
        LocalSandbox sb = sandboxes.get(key);
        if (sb == null) {
            return;
        }
        var b = sb.toBuilder().clearEndpoints();
        sb.getEndpointsList().forEach(e -> b.addEndpoints(e.getEndpointId().equals(endpointId)
                ? e.toBuilder().setState(st).build() : e));
        Map<String, LocalSandbox> sbs = new LinkedHashMap<>(sandboxes);
        sbs.put(key, b.build());
        sandboxes = sbs;
    }

    void clear() {
        sandboxes = new LinkedHashMap<>();
        networks = new LinkedHashMap<>();
        releases = List.of();
        leases = List.of(); // leave: the manager frees them with the node's endpoints
        vtep = ""; // a node that joins again learns its address from its first view (NetworkAgent waits for it)
        dataPathPort = 0;
    }

    void vtep(String address, int port) {
        vtep = address;
        dataPathPort = port;
    }

    String vtep() {
        return vtep;
    }

    int dataPathPort() {
        return dataPathPort;
    }

    List<LocalSandbox> sandboxes() {
        return List.copyOf(sandboxes.values());
    }

    List<Network> networks() {
        return List.copyOf(networks.values());
    }

    Optional<Network> network(String id) {
        return Optional.ofNullable(networks.get(id));
    }

    Optional<LocalSandbox> sandbox(String key) {
        return Optional.ofNullable(sandboxes.get(key));
    }

    Optional<LocalEndpoint> endpoint(String key, String networkId) {
        return sandbox(key).flatMap(sb -> sb.getEndpointsList().stream()
                .filter(e -> e.getNetworkId().equals(networkId)).findFirst());
    }

    List<Located> endpointsOn(String networkId) {
        List<Located> out = new ArrayList<>();
        for (LocalSandbox sb : sandboxes.values()) {
            sb.getEndpointsList().stream().filter(e -> e.getNetworkId().equals(networkId))
                    .forEach(e -> out.add(new Located(sb, e)));
        }
        return out;
    }

    boolean hasEndpointsOn(String networkId) {
        return !endpointsOn(networkId).isEmpty();
    }

    /** A network by id, unique id prefix or name: the local ones first, then the cluster view's. */
    Optional<Network> resolve(String ref, ClusterView view) {
        List<Network> all = Stream.concat(networks.values().stream(),
                view.getNetworksList().stream().map(NetworkView::getNetwork)).toList();
        for (Network n : all) {
            if (n.getNetworkId().equals(ref) || n.getName().equals(ref)) {
                return Optional.of(n);
            }
        }
        List<Network> byPrefix = all.stream().filter(n -> n.getNetworkId().startsWith(ref))
                .map(Network::getNetworkId).distinct()
                .map(id -> all.stream().filter(n -> n.getNetworkId().equals(id)).findFirst().orElseThrow()).toList();
        return byPrefix.size() == 1 && !ref.isEmpty() ? Optional.of(byPrefix.getFirst()) : Optional.empty();
    }

    /**
     * eth0 for a sandbox's first network, then the lowest ethN that neither its other endpoints nor a device
     * already in the sandbox ({@code taken}: a runtime's own interfaces) use.
     */
    String nextIfName(String key, java.util.Set<String> taken) {
        List<String> used = new ArrayList<>(taken);
        sandbox(key).ifPresent(sb -> sb.getEndpointsList().forEach(e -> used.add(e.getIfName())));
        for (int i = 0; ; i++) {
            if (!used.contains("eth" + i)) {
                return "eth" + i;
            }
        }
    }

    /** The interface names of sandbox {@code key}'s endpoints. */
    java.util.Set<String> ifNames(String key) {
        java.util.Set<String> out = new java.util.HashSet<>();
        sandbox(key).ifPresent(sb -> sb.getEndpointsList().forEach(e -> out.add(e.getIfName())));
        return out;
    }

    void put(LocalSandbox sb, LocalEndpoint le, Network n) {
        Map<String, LocalSandbox> sbs = new LinkedHashMap<>(sandboxes);
        LocalSandbox cur = sbs.getOrDefault(sb.getKey(), sb);
        sbs.put(sb.getKey(), cur.toBuilder().addEndpoints(le).build());
        Map<String, Network> nets = new LinkedHashMap<>(networks);
        nets.put(n.getNetworkId(), n);
        sandboxes = sbs;
        networks = nets;
    }

    /** Drops the endpoint; a sandbox without endpoints and a network without local endpoints go too. */
    void removeEndpoint(String key, String endpointId) {
        Map<String, LocalSandbox> sbs = new LinkedHashMap<>(sandboxes);
        LocalSandbox sb = sbs.get(key);
        if (sb == null) {
            return;
        }
        List<LocalEndpoint> rest = sb.getEndpointsList().stream().filter(e -> !e.getEndpointId().equals(endpointId)).toList();
        if (rest.isEmpty()) {
            sbs.remove(key);
        } else {
            sbs.put(key, sb.toBuilder().clearEndpoints().addAllEndpoints(rest).build());
        }
        sandboxes = sbs;
        Map<String, Network> nets = new LinkedHashMap<>(networks);
        nets.keySet().removeIf(id -> sbs.values().stream().flatMap(s -> s.getEndpointsList().stream())
                .noneMatch(e -> e.getNetworkId().equals(id)));
        networks = nets;
    }

    static Netns netns(LocalSandbox sb) {
        return Netns.at(Path.of(sb.getNetns()));
    }

    static String dnsName(LocalSandbox sb) {
        return sb.getEndpointsCount() > 0 ? sb.getEndpoints(0).getName() : sb.getKey();
    }

    static List<String> networkIds(LocalSandbox sb) {
        return sb.getEndpointsList().stream().map(LocalEndpoint::getNetworkId).toList();
    }
}
