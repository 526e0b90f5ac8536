package io.jswarm.agent.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.dns.NameLookup;
import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.gossip.table.ViewChange;
import io.jswarm.proto.cluster.AttachEndpointRequest;
import io.jswarm.proto.cluster.AttachEndpointResponse;
import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.DetachEndpointRequest;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.ListNetworksResponse;
import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.cluster.NetworkConnectRequest;
import io.jswarm.proto.cluster.NetworkDetachRequest;
import io.jswarm.proto.cluster.NetworkDisconnectRequest;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NetworkResponse;
import io.jswarm.proto.cluster.NetworkView;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.OwnEndpointsResponse;
import io.jswarm.proto.cluster.PruneNetworksResponse;
import io.jswarm.proto.cluster.RemoveNetworkRequest;
import io.jswarm.proto.cluster.RemoveNetworkResponse;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.Network;
import io.jswarm.vxlan.DataplaneConfig;
import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.KernelDataplane;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FakeKernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.LinkSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's sandbox/endpoint logic over the in-memory kernel and a fake manager: no root, no sockets. */
class NetworkAgentTest {
    private static final String SELF = "node000000000000000000001";
    static final Network NET = Network.newBuilder().setNetworkId("net0000000000000000000001").setName("ov")
            .setSubnet("10.0.1.0/24").setGateway("10.0.1.1").setIpRange("10.0.1.0/24").setAttachable(true).setVni(4097)
            .build();

    @TempDir
    Path dir;
    final FakeKernel kernel = new FakeKernel();
    Netns host;
    KernelDataplane dataplane;
    final FakeApi api = new FakeApi();
    final FakeResolver dns = new FakeResolver();
    final String sandbox = "jsagt-" + Long.toString(System.nanoTime(), 36);

    @BeforeEach
    void setUp() throws IOException {
        host = kernel.createNamespace(Path.of("/run/netns/jsagt-host"));
        kernel.apply(host, List.of(new KernelChange.AddLink(new LinkSpec.Bridge("ul0", 1500, null)),
                new KernelChange.AddAddress(new Address("ul0", IpPrefix.parse("192.0.2.1/24"))),
                KernelChange.SetLink.up("ul0")));
        dataplane = new KernelDataplane(kernel, new DataplaneConfig(host, Path.of("/run/jsagt-test")));
    }

    final List<NetworkAgent> agents = new ArrayList<>();

    @AfterEach
    void closeAgents() {
        agents.forEach(NetworkAgent::close);
    }

    NetworkAgent agent() throws IOException {
        NetworkAgent a = new NetworkAgent(SELF, () -> api, dataplane, dns, NetworkAgent.Settings.defaults(dir));
        agents.add(a);
        a.start();
        a.onView(ClusterView.newBuilder().setDataPathPort(4789)
                .addNodes(NodeInfo.newBuilder().setId(SELF).setHostname("h1").setAddr("192.0.2.1").setDataPathAddr("192.0.2.1"))
                .addNetworks(NetworkView.newBuilder().setNetwork(NET)).build());
        return a;
    }

    private Path networkNs() {
        return Path.of("/run/jsagt-test/netns/" + NET.getNetworkId().substring(0, 12));
    }

    @Test
    void attachMakesNetworkSandboxAndDnsThenDetachRemovesAll() throws Exception {
        NetworkAgent a = agent();
        var r = a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName(sandbox).build());
        assertEquals("10.0.1.2/24", r.getIpv4());
        assertEquals("eth0", r.getIfName());
        assertEquals("02:42:0a:00:01:02", r.getMac());
        assertTrue(kernel.namespaceExists(networkNs()), "network namespace on first attach");
        assertTrue(kernel.namespaceExists(Path.of("/run/netns", sandbox)), "sandbox made");
        assertTrue(kernel.links(Netns.named(sandbox)).stream().anyMatch(l -> l.name().equals("eth0")));
        assertEquals(List.of("serve " + sandbox, "resolv " + sandbox), dns.calls);
        assertEquals(1, a.inspect(NetworkInspectRequest.newBuilder().setNetwork("ov").build()).getContainersCount());

        var dup = assertThrows(StatusRuntimeException.class,
                () -> a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName(sandbox).build()));
        assertEquals(Status.Code.ALREADY_EXISTS, dup.getStatus().getCode());

        a.detach(NetworkDetachRequest.newBuilder().setSandbox(sandbox).build());
        assertFalse(kernel.namespaceExists(networkNs()), "network namespace goes with the last endpoint");
        assertFalse(kernel.namespaceExists(Path.of("/run/netns", sandbox)), "sandbox attach made is removed");
        assertEquals(List.of(r.getEndpointId()), api.detached);
        assertTrue(dns.calls.contains("stop " + sandbox) && dns.calls.contains("unresolv " + sandbox), dns.calls.toString());
    }

    @Test
    void managerRefusalChangesNothing() throws Exception {
        NetworkAgent a = agent();
        api.refuse = true;
        var before = kernel.snapshot();
        assertThrows(StatusRuntimeException.class,
                () -> a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName(sandbox).build()));
        assertEquals(before, kernel.snapshot());
        assertTrue(dns.calls.isEmpty());
    }

    @Test
    void kernelFailureIsRolledBackAndReleasesTheAddress() throws Exception {
        NetworkAgent a = agent();
        var before = kernel.snapshot();
        kernel.failWhen((ns, change) -> change instanceof KernelChange.AddAddress, 17);
        assertThrows(IOException.class,
                () -> a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName(sandbox).build()));
        kernel.clearFaults();
        assertEquals(before, kernel.snapshot(), "nothing half-made");
        assertEquals(1, api.detached.size(), "the manager's address was released");
        assertThrows(StatusRuntimeException.class,
                () -> a.detach(NetworkDetachRequest.newBuilder().setSandbox(sandbox).build()));
    }

    @Test
    void badNamesAreRefusedBeforeAnything() throws Exception {
        NetworkAgent a = agent();
        var e = assertThrows(StatusRuntimeException.class,
                () -> a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName("../etc").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        var p = assertThrows(StatusRuntimeException.class, () -> a.connect(NetworkConnectRequest.newBuilder()
                .setNetwork("ov").setSandbox("/proc/999999999/ns/net").setName("x").build()));
        assertEquals(Status.Code.NOT_FOUND, p.getStatus().getCode());
        assertEquals(0, api.attached.get());
    }

    /** ov2: a second network (10.0.2.0/24) beside NET. */
    private static Network secondNetwork() {
        return NET.toBuilder().setNetworkId("bet0000000000000000000002").setName("ov2").setSubnet("10.0.2.0/24")
                .setGateway("10.0.2.1").setIpRange("10.0.2.0/24").setVni(4098).build();
    }

    @Test
    void secondNetworkGetsEth1AndDisconnectUndoesOnlyIt() throws Exception {
        api.networks.add(secondNetwork());
        NetworkAgent a = agent();
        a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName(sandbox).build());
        var r2 = a.connect(NetworkConnectRequest.newBuilder().setNetwork("ov2").setSandbox(sandbox).build());
        assertEquals("eth1", r2.getIfName());
        a.disconnect(NetworkDisconnectRequest.newBuilder().setNetwork("ov2").setSandbox(sandbox).build());
        assertTrue(kernel.namespaceExists(Path.of("/run/netns", sandbox)), "still on ov");
        assertTrue(kernel.links(Netns.named(sandbox)).stream().noneMatch(l -> l.name().equals("eth1")));
        assertTrue(kernel.links(Netns.named(sandbox)).stream().anyMatch(l -> l.name().equals("eth0")));
    }

    @Test
    void connectHonoursTheInterfaceNameAskedForAndRefusesATakenOrInvalidOne() throws Exception {
        api.networks.add(secondNetwork());
        NetworkAgent a = agent();
        a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName(sandbox).build());
        var before = kernel.snapshot();
        for (String bad : List.of("eth0", "a/b", "sixteen-chars-xx")) {
            var e = assertThrows(StatusRuntimeException.class, () -> a.connect(NetworkConnectRequest.newBuilder()
                    .setNetwork("ov2").setSandbox(sandbox).setIfName(bad).build()));
            assertTrue(e.getStatus().getCode() == Status.Code.ALREADY_EXISTS || e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT,
                    bad + ": " + e.getStatus());
        }
        assertEquals(before, kernel.snapshot(), "refused before anything was made");
        assertEquals(1, api.attached.get(), "the manager was not asked");
        var r = a.connect(NetworkConnectRequest.newBuilder().setNetwork("ov2").setSandbox(sandbox).setIfName("net1").build());
        assertEquals("net1", r.getIfName());
        assertTrue(kernel.links(Netns.named(sandbox)).stream().anyMatch(l -> l.name().equals("net1")));
    }

    @Test
    void restartPutsBackSavedSandboxesWithoutTheManager() throws Exception {
        NetworkAgent a = agent();
        a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName(sandbox).build());
        a.close();
        // A fresh agent and data plane over the same kernel: what the daemon sees after a restart.
        dataplane = new KernelDataplane(kernel, new DataplaneConfig(host, Path.of("/run/jsagt-test")));
        api.refuse = true;
        NetworkAgent b = new NetworkAgent(SELF, () -> api, dataplane, dns, NetworkAgent.Settings.defaults(dir));
        agents.add(b);
        b.start();
        assertEquals(1, b.inspect(NetworkInspectRequest.newBuilder().setNetwork("ov").build()).getContainersCount());
        assertTrue(dataplane.reconcile().clean(), "the restored state is exactly what the kernel has");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(dir.resolve("sandboxes.pb"))), "owner-only on disk");
    }

    @Test
    void endpointsTheManagerHoldsButNoSandboxDoesAreReleased() throws Exception {
        NetworkAgent a = agent();
        var r = a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName(sandbox).build());
        api.recorded.add(Endpoint.newBuilder().setNetworkId(NET.getNetworkId()).setEndpointId(r.getEndpointId()).build());
        api.recorded.add(Endpoint.newBuilder().setNetworkId(NET.getNetworkId()).setEndpointId("orphan1").build());
        a.releaseOrphans(); // the start-up check may already have run it: either way, released exactly once
        assertEquals(List.of("orphan1"), api.detached);
        assertEquals(0, a.releaseOrphans());
    }

    @Test
    void tableChangesBecomeKernelPeersButOwnEntriesDoNot() throws Exception {
        NetworkAgent a = agent();
        a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName(sandbox).build());
        PeerWriter peers = new PeerWriter(SELF, dataplane, NetworkAgent::specId, id -> "");
        peers.table(NET.getNetworkId(), java.util.Map.of());
        peers.programmed(NET.getNetworkId(), false);
        var remote = new EndpointRecord("web", List.of(), InetAddress.getByName("10.0.1.9"), "02:42:0a:00:01:09",
                InetAddress.getByName("192.0.2.2"), "node000000000000000000002");
        var own = new EndpointRecord("me", List.of(), InetAddress.getByName("10.0.1.2"), "02:42:0a:00:01:02",
                InetAddress.getByName("192.0.2.1"), SELF);
        peers.onChanges(NET.getNetworkId(), List.of(new ViewChange.Added("e9", remote), new ViewChange.Added("e2", own)));
        Netns ns = Netns.at(networkNs());
        assertEquals(1, kernel.fdb(ns).stream().filter(f -> f.dst() != null).count());
        peers.onChanges(NET.getNetworkId(), List.of(new ViewChange.Removed("e9", remote)));
        assertEquals(0, kernel.fdb(ns).stream().filter(f -> f.dst() != null).count());
    }

    @Test
    void aSlowManagerHoldsNeitherTheLoopNorTheCallbacks() throws Exception {
        NetworkAgent a = agent();
        api.hold = new java.util.concurrent.CountDownLatch(1);
        var attaching = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName(sandbox).build());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        api.inAttach.await();
        // While the manager sits on the attach: views are taken, other commands and table changes run.
        a.onView(ClusterView.newBuilder().setDataPathPort(4789)
                .addNodes(NodeInfo.newBuilder().setId(SELF).setHostname("h1").setAddr("192.0.2.1"))
                .addNetworks(NetworkView.newBuilder().setNetwork(NET)).build());
        assertEquals(0, a.inspect(NetworkInspectRequest.newBuilder().setNetwork("ov").build()).getContainersCount());
        var other = assertThrows(StatusRuntimeException.class,
                () -> a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName(sandbox).build()));
        assertEquals(Status.Code.ALREADY_EXISTS, other.getStatus().getCode(), "the name is reserved meanwhile");
        assertFalse(attaching.isDone());
        api.hold.countDown();
        assertEquals("10.0.1.2/24", attaching.get().getIpv4());
    }

    @Test
    void viewsNeverWaitForTheKernel() throws Exception {
        NetworkAgent a = agent();
        var inKernel = new java.util.concurrent.CountDownLatch(1);
        var release = new java.util.concurrent.CountDownLatch(1);
        // A kernel call that hangs (a wedged netlink socket) holds the loop, and only the loop.
        a.steps(step -> {
            if (step.equals("attach:journaled")) {
                inKernel.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        var attaching = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName(sandbox).build());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        inKernel.await();
        var caller = java.util.concurrent.CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 100; i++) {
                a.onView(ClusterView.getDefaultInstance()); // the manager's timer / a session thread
            }
        });
        caller.get(30, java.util.concurrent.TimeUnit.SECONDS); // returns although the loop is stuck
        assertFalse(attaching.isDone());
        release.countDown();
        attaching.get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void attachesReconcilesAndTablesAreMetered() throws Exception {
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        NetworkAgent a = new NetworkAgent(SELF, () -> api, dataplane, dns, NetworkAgent.Settings.defaults(dir), registry);
        agents.add(a);
        a.start();
        a.onView(ClusterView.newBuilder().setDataPathPort(4789)
                .addNodes(NodeInfo.newBuilder().setId(SELF).setHostname("h1").setAddr("192.0.2.1"))
                .addNetworks(NetworkView.newBuilder().setNetwork(NET)).build());
        a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName(sandbox).build());
        assertEquals(1, registry.get("jswarm.network.attach").timer().count());
        api.refuse = true;
        assertThrows(StatusRuntimeException.class,
                () -> a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName(sandbox + "x").build()));
        assertEquals(1.0, registry.get("jswarm.network.attach.failures").counter().count());
        a.onLoop(() -> {
            a.peers().table(NET.getNetworkId(), java.util.Map.of("e9", new EndpointRecord("web", List.of(),
                    InetAddress.getByName("10.0.1.9"), "02:42:0a:00:01:09", InetAddress.getByName("192.0.2.2"),
                    "node000000000000000000002")));
            return null;
        });
        assertEquals(1.0, registry.get("jswarm.endpoint.table.entries").tag("network", NET.getNetworkId()).gauge().value());
        // Served beside each table's size (no replicator here, so none counted yet).
        assertEquals(0.0, registry.get("jswarm.table.antientropy.repairs").tag("network", NET.getNetworkId())
                .functionCounter().count());
        a.reconcileNow();
        a.close();
        assertTrue(registry.find("jswarm.network.attach").meters().isEmpty(), "a closed agent's meters go");
    }

    /** The manager as far as the agent sees it: serial addresses, detach recorded, refusals on demand. */
    static final class FakeApi implements ClusterApi {
        final List<Network> networks = new ArrayList<>(List.of(NET));
        final AtomicInteger attached = new AtomicInteger();
        final List<String> detached = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean refuse;
        /** The manager cannot be reached for releases. */
        volatile boolean unreachable;
        /** Record allocations as the manager's state would (for the orphan check). */
        volatile boolean record;
        /** With {@link #record}: refuse a name a recorded endpoint of the network holds, as the manager does. */
        volatile boolean uniqueNames;
        /** Names whose next attach is refused as taken, once (a holder another thread is releasing). */
        final java.util.Set<String> takenOnce = java.util.concurrent.ConcurrentHashMap.newKeySet();

        /** When set, attach waits for it (a slow manager); {@link #inAttach} opens once one is waiting. */
        volatile java.util.concurrent.CountDownLatch hold;
        final java.util.concurrent.CountDownLatch inAttach = new java.util.concurrent.CountDownLatch(1);

        @Override
        public AttachEndpointResponse attach(AttachEndpointRequest r) {
            var h = hold;
            if (h != null) {
                inAttach.countDown();
                try {
                    h.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (refuse) {
                throw Status.FAILED_PRECONDITION.withDescription("refused").asRuntimeException();
            }
            Network n = networks.stream().filter(x -> x.getName().equals(r.getNetwork()) || x.getNetworkId()
                    .equals(r.getNetwork())).findFirst().orElseThrow(() -> Status.NOT_FOUND.asRuntimeException());
            if (takenOnce.remove(r.getName())) { // held, and freed by someone else before the next attempt
                throw Status.FAILED_PRECONDITION.withDescription("endpoint with name " + r.getName()
                        + " already exists in network " + r.getNetwork()).asRuntimeException();
            }
            if (record && uniqueNames) {
                synchronized (this) {
                    if (recorded.stream().anyMatch(x -> x.getNetworkId().equals(n.getNetworkId())
                            && x.getName().equals(r.getName()))) { // the manager's words (EndpointNameRules)
                        throw Status.FAILED_PRECONDITION.withDescription("endpoint with name " + r.getName()
                                + " already exists in network " + n.getName()).asRuntimeException();
                    }
                }
            }
            int i = attached.incrementAndGet();
            String prefix = n.getSubnet().substring(0, n.getSubnet().lastIndexOf('.'));
            Endpoint e = Endpoint.newBuilder().setNetworkId(n.getNetworkId()).setEndpointId("ep" + i).setNodeId(SELF)
                    .setName(r.getName()).setAddress(prefix + "." + (1 + i)).build();
            if (record) {
                synchronized (this) {
                    recorded.add(e);
                }
            }
            return AttachEndpointResponse.newBuilder().setNetwork(n).setEndpoint(e).build();
        }

        @Override
        public synchronized void detach(DetachEndpointRequest r) {
            if (unreachable) {
                throw Status.UNAVAILABLE.withDescription("manager unreachable").asRuntimeException();
            }
            detached.add(r.getEndpointId());
            recorded.removeIf(e -> e.getEndpointId().equals(r.getEndpointId()));
        }

        /** Generations a rotation was asked for (issue 11). */
        final List<Integer> rotations = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public boolean requestKeyRotation(int generation) {
            rotations.add(generation);
            return true;
        }

        @Override
        public NetworkResponse createNetwork(CreateNetworkRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public RemoveNetworkResponse removeNetwork(RemoveNetworkRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public PruneNetworksResponse pruneNetworks() {
            throw new UnsupportedOperationException();
        }

        @Override
        public ListNetworksResponse listNetworks(ListNetworksRequest request) {
            throw new UnsupportedOperationException();
        }

        final List<Endpoint> recorded = new ArrayList<>();

        @Override
        public synchronized OwnEndpointsResponse ownEndpoints() {
            return OwnEndpointsResponse.newBuilder().addAllEndpoints(recorded).build();
        }

        @Override
        public void releaseOwnEndpoints() {
            throw new UnsupportedOperationException();
        }
    }

    static final class FakeResolver implements SandboxResolver {
        final List<String> calls = new ArrayList<>();

        @Override
        public void serve(String key, Netns sandbox, NameLookup lookup) {
            calls.add("serve " + key);
        }

        @Override
        public void stop(String key) {
            calls.add("stop " + key);
        }

        @Override
        public void writeResolvConf(String name) {
            calls.add("resolv " + name);
        }

        @Override
        public void removeResolvConf(String name) {
            calls.add("unresolv " + name);
        }

        @Override
        public void close() {
        }
    }
}
