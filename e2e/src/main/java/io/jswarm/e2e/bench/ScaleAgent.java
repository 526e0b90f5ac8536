package io.jswarm.e2e.bench;

import io.jswarm.encryption.NodeIdentity;
import io.jswarm.gossip.MembershipConfig;
import io.jswarm.gossip.MembershipEvent;
import io.jswarm.gossip.ScalecubeMembership;
import io.jswarm.gossip.replication.ReplicatorConfig;
import io.jswarm.gossip.replication.ScalecubePeerMessenger;
import io.jswarm.gossip.replication.TableReplicator;
import io.jswarm.gossip.replication.TableTrust;
import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.gossip.table.ViewChange;
import io.jswarm.vxlan.DataplaneConfig;
import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.KernelDataplane;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.NetworkSpec;
import io.jswarm.vxlan.Peer;
import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FakeKernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.LinkSpec;
import io.jswarm.vxlan.kernel.Neighbor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One simulated host of the {@code scale} benchmark: a real {@link ScalecubeMembership} (mutual TLS on its own
 * loopback address), a {@link TableReplicator} over it, and a {@link KernelDataplane} over an in-memory
 * {@link FakeKernel} that the replicator's listener programs with the remote endpoints, as the agent will.
 */
final class ScaleAgent {
    final NodeIdentity identity;
    private final String id; // NodeIdentity parses the certificate on every nodeId() call
    final InetAddress vtep;
    final ScalecubeMembership membership;
    final TableReplicator replicator;
    final TableTrust trust;
    final TracedMessenger traffic;
    final AtomicInteger removals;
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final FakeKernel kernel = new FakeKernel();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final KernelDataplane dataplane;
    private final Netns networkNs;
    /**
     * The visible view as the listener built it, and how many listener calls built it: the bench's poll
     * compares this (on its own thread, only when a call came in since the last look) before it asks the
     * replicator thread for visible() and reads the kernel; asking every node's replicator for a 1000-entry
     * snapshot every 20 ms took that thread from the replication it is measuring (the churn phase, where
     * the view's size stays right all along).
     */
    private final Map<String, EndpointRecord> seen = new ConcurrentHashMap<>();
    private final AtomicInteger listenerCalls = new AtomicInteger();
    private int lookedAt = -1;

    /** Builds everything; starts nothing. {@code removals} counts membership Removed events seen here. */
    /** Its own entry key: signs its entries, named in its grants. */
    final java.security.KeyPair entryKey = io.jswarm.encryption.CertificateAuthority.newKeyPair();

    ScaleAgent(NodeIdentity identity, MembershipConfig membershipConfig, InetAddress vtep, String family,
               AtomicInteger removals, io.jswarm.encryption.CertificateAuthority ca) throws IOException {
        this.identity = identity;
        this.id = identity.nodeId();
        this.vtep = vtep;
        this.removals = removals;
        kernel.setRecording(false); // the call log would grow with every peer programmed
        Netns host = kernel.createNamespace(Path.of("/run/netns/" + family + "-host")); // in memory only
        kernel.apply(host, List.of(new KernelChange.AddLink(new LinkSpec.Bridge("ul0", 1500, null)),
                new KernelChange.AddAddress(new Address("ul0", new IpPrefix(vtep, 16))), KernelChange.SetLink.up("ul0")));
        var dpConfig = new DataplaneConfig(host, Path.of("/run/" + family));
        dataplane = new KernelDataplane(kernel, dpConfig);
        networkNs = Netns.at(dpConfig.networkNamespace(ScaleBench.NET));
        membership = new ScalecubeMembership(new io.jswarm.encryption.tls.IdentityKeyManager(identity), vtep,
                membershipConfig, id -> false, registry);
        traffic = new TracedMessenger(new ScalecubePeerMessenger(membership));
        trust = ScaleGrants.trust(ca, entryKey);
        replicator = new TableReplicator(id, traffic, ReplicatorConfig.DEFAULT, this::program,
                java.time.InstantSource.system(), java.util.random.RandomGenerator.getDefault(), trust);
        membership.addListener(this::onMembership);
    }

    String id() {
        return id;
    }

    void start() throws IOException {
        dataplane.ensureNetwork(NetworkSpec.of(ScaleBench.NET, 4097, "10.128.0.1/16", vtep));
        replicator.start();
        membership.start();
    }

    /** What the agent will do with membership events. */
    private void onMembership(MembershipEvent e) {
        String node = e.member().nodeId();
        switch (e) {
            case MembershipEvent.Joined j -> replicator.memberAlive(node);
            case MembershipEvent.Updated u -> { }
            case MembershipEvent.Leaving l -> replicator.memberLeft(node);
            case MembershipEvent.Removed r -> {
                removals.incrementAndGet();
                if (r.cause() == MembershipEvent.Cause.LEFT) {
                    replicator.memberLeft(node);
                } else {
                    replicator.memberFailed(node);
                }
            }
        }
    }

    /** The replicator listener: visible-view changes to peer entries, in order, remote endpoints only. */
    private void program(String networkId, List<ViewChange> changes) {
        Map<InetAddress, Peer> up = new LinkedHashMap<>();
        List<InetAddress> down = new ArrayList<>();
        for (ViewChange c : changes) {
            switch (c) {
                case ViewChange.Removed r -> seen.remove(r.endpointId());
                case ViewChange.Added a -> seen.put(a.endpointId(), a.record());
                case ViewChange.Updated u -> seen.put(u.endpointId(), u.record());
            }
            switch (c) {
                case ViewChange.Added a -> add(a.record(), up);
                case ViewChange.Updated u -> {
                    remove(u.previous(), up, down);
                    add(u.record(), up);
                }
                case ViewChange.Removed r -> remove(r.previous(), up, down);
            }
        }
        listenerCalls.incrementAndGet(); // after the view and before the kernel: a look may come too early, never too late
        try {
            if (!down.isEmpty()) {
                dataplane.removePeers(networkId, down);
            }
            if (!up.isEmpty()) {
                dataplane.upsertPeers(networkId, up.values());
            }
        } catch (IOException | RuntimeException e) {
            errors.add(e);
        }
    }

    private void add(EndpointRecord r, Map<InetAddress, Peer> up) {
        if (!r.ownerNode().equals(id())) {
            up.put(r.ip(), new Peer(r.ip(), MacAddress.parse(r.mac()), r.vtep()));
        }
    }

    private void remove(EndpointRecord r, Map<InetAddress, Peer> up, List<InetAddress> down) {
        if (!r.ownerNode().equals(id())) {
            up.remove(r.ip()); // added earlier in this batch: never reaches the kernel
            down.add(r.ip());
        }
    }

    /** Whether the replicated view is exactly {@code expected} and the kernel holds every remote one of them. */
    boolean converged(Map<String, EndpointRecord> expected) throws IOException {
        int calls = listenerCalls.get();
        if (calls == lookedAt || !seen.equals(expected)) {
            lookedAt = calls;
            return false;
        }
        if (!replicator.visible(ScaleBench.NET).equals(expected)) {
            return false;
        }
        Set<InetAddress> remote = new HashSet<>();
        expected.values().forEach(r -> {
            if (!r.ownerNode().equals(id())) {
                remote.add(r.ip());
            }
        });
        Set<InetAddress> programmed = new HashSet<>();
        for (Neighbor n : kernel.neighbors(networkNs)) {
            if (n.dev().equals("vxlan0") && n.permanent()) {
                programmed.add(n.ip());
            }
        }
        return programmed.equals(remote);
    }

    /** Why this node is not converged, for the error message. */
    String diagnose(Map<String, EndpointRecord> expected) {
        Map<String, EndpointRecord> v = replicator.visible(ScaleBench.NET);
        var missing = new java.util.TreeMap<String, String>();
        expected.forEach((id, r) -> {
            if (!r.equals(v.get(id))) {
                missing.put(id, r.ownerNode());
            }
        });
        var owners = new java.util.TreeSet<>(missing.values());
        return id() + " sees " + v.size() + " of " + expected.size() + ", " + missing.size() + " missing or stale (e.g. "
                + missing.entrySet().stream().limit(5).toList() + ") owned by " + owners.size() + " nodes; members "
                + membership.members().size() + "; " + replicator.stats();
    }

    /** Everything this node's gossip transport wrote (membership and tables, with framing), in bytes. */
    double gossipBytesOut() {
        return registry.find("jswarm.gossip.bytes").tag("direction", "out").counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }
}
