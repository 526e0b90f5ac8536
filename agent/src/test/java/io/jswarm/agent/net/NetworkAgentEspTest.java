package io.jswarm.agent.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.DataKeys;
import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.cluster.NetworkDetachRequest;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NetworkPeer;
import io.jswarm.proto.cluster.NetworkView;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.PairKey;
import io.jswarm.proto.cluster.PeerKeys;
import io.jswarm.proto.state.Network;
import io.jswarm.vxlan.DataplaneConfig;
import io.jswarm.vxlan.Esp;
import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.KernelDataplane;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FakeKernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.LinkSpec;
import io.jswarm.vxlan.kernel.XfrmEvent;
import io.jswarm.vxlan.kernel.XfrmId;
import io.jswarm.vxlan.kernel.XfrmPolicy;
import io.jswarm.vxlan.kernel.XfrmState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's IPsec state (issue 11) over the fake kernel: SAs with the peers that share an encrypted network, the
 * acknowledgement of installed keys, the guards before the devices, live restore, node removal, expire → rotation
 * request, inspect's generations, and the refusal on a kernel without ESP that makes nothing.
 */
class NetworkAgentEspTest {
    static final String SELF = "node000000000000000000001";
    static final String B = "node000000000000000000002";
    static final String C = "node000000000000000000003";
    static final InetAddress SELF_VTEP = IpPrefix.parseAddress("192.0.2.1");
    static final InetAddress B_VTEP = IpPrefix.parseAddress("192.0.2.2");
    static final InetAddress C_VTEP = IpPrefix.parseAddress("192.0.2.3");
    static final Network ENC = Network.newBuilder().setNetworkId("enc0000000000000000000001").setName("secret")
            .setSubnet("10.0.9.0/24").setGateway("10.0.9.1").setIpRange("10.0.9.0/24").setAttachable(true).setVni(4099)
            .setEncrypted(true).build();

    @TempDir
    Path dir;
    private final FakeKernel kernel = new FakeKernel();
    private Netns host;
    private KernelDataplane dataplane;
    private final NetworkAgentTest.FakeApi api = new NetworkAgentTest.FakeApi();
    private final NetworkAgentRefusalsTest.LookupRecorder dns = new NetworkAgentRefusalsTest.LookupRecorder();
    private final List<NetworkAgent> agents = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Long> acks = new CopyOnWriteArrayList<>();
    private final String sandbox = "jsesp-" + Long.toString(System.nanoTime(), 36);

    @BeforeEach
    void setUp() throws IOException {
        host = kernel.createNamespace(Path.of("/run/netns/jsesp-host"));
        kernel.apply(host, List.of(new KernelChange.AddLink(new LinkSpec.Bridge("ul0", 1500, null)),
                new KernelChange.AddAddress(new Address("ul0", IpPrefix.parse("192.0.2.1/24"))),
                KernelChange.SetLink.up("ul0")));
        dataplane = new KernelDataplane(kernel, new DataplaneConfig(host, Path.of("/run/jsesp-test")));
        api.networks.add(ENC);
    }

    @AfterEach
    void close() {
        agents.forEach(NetworkAgent::close);
    }

    private NetworkAgent agent(String... encParticipants) throws IOException {
        NetworkAgent a = new NetworkAgent(SELF, () -> api, dataplane, dns,
                NetworkAgent.Settings.defaults(dir).withEspLimits(1000, 100), registry);
        agents.add(a);
        a.start();
        a.onKeysInstalled(acks::add);
        a.onView(view(encParticipants));
        return a;
    }

    static ClusterView view(String... encParticipants) {
        return ClusterView.newBuilder().setDataPathPort(4789)
                .addNodes(NodeInfo.newBuilder().setId(SELF).setHostname("h1").setAddr("192.0.2.1").setDataPathAddr("192.0.2.1"))
                .addNodes(NodeInfo.newBuilder().setId(B).setHostname("h2").setAddr("192.0.2.2").setDataPathAddr("192.0.2.2"))
                .addNodes(NodeInfo.newBuilder().setId(C).setHostname("h3").setAddr("192.0.2.3").setDataPathAddr("192.0.2.3"))
                .addNetworks(NetworkView.newBuilder().setNetwork(NetworkAgentTest.NET))
                .addNetworks(NetworkView.newBuilder().setNetwork(ENC).addAllNodeIds(List.of(encParticipants))).build();
    }

    static int spi(int sender, int g) {
        return 0x4A000000 | (g & 0xFF) << 16 | sender;
    }

    static ByteString key(int from, int to, int g) {
        byte[] k = new byte[20];
        Arrays.fill(k, (byte) (from * 16 + to));
        k[0] = (byte) g;
        return ByteString.copyFrom(k);
    }

    static PeerKeys peer(String id, String vtep, int index, int... generations) {
        var b = PeerKeys.newBuilder().setNodeId(id).setDataPathAddr(vtep).setIndex(index);
        for (int g : generations) {
            b.addKeys(PairKey.newBuilder().setGeneration(g).setOutSpi(spi(1, g)).setOutKey(key(1, index, g))
                    .setInSpi(spi(index, g)).setInKey(key(index, 1, g)));
        }
        return b.build();
    }

    static DataKeys keys(long index, int primary, PeerKeys... peers) {
        return DataKeys.newBuilder().setStateIndex(index).setPrimaryGeneration(primary).setSelfIndex(1)
                .addAllPeers(List.of(peers)).build();
    }

    private NetworkAgent.Settings settings() {
        return NetworkAgent.Settings.defaults(dir);
    }

    private void attach(NetworkAgent a) throws IOException {
        a.attach(NetworkAttachRequest.newBuilder().setNetwork("secret").setName(sandbox).build());
    }

    /** Waits for the loop to have run everything posted so far. */
    private static void drain(NetworkAgent a) throws IOException {
        a.onLoop(() -> null);
    }

    private Set<XfrmId> sas() throws IOException {
        return kernel.xfrmStates(host).stream().map(XfrmState::id).collect(Collectors.toSet());
    }

    private static Set<XfrmId> pairSas(InetAddress peer, int index, int g) {
        return Set.of(new XfrmId(SELF_VTEP, spi(index, g)), new XfrmId(peer, spi(1, g)));
    }

    private static Set<XfrmId> union(Set<XfrmId> a, Set<XfrmId> b) {
        var out = new java.util.HashSet<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void peersAreTheEncryptedNetworksParticipantsWithTheManagersVtepAndKeysAreAcknowledged() throws IOException {
        NetworkAgent a = agent(SELF, B);
        attach(a);
        a.onDataKeys(keys(7, 1, peer(B, "192.0.2.2", 2, 1), peer(C, "192.0.2.3", 3, 1)));
        drain(a);

        assertEquals(pairSas(B_VTEP, 2, 1), sas(), "C shares no encrypted network with this node (yet)");
        assertEquals(List.of(7L), acks);
        var policies = kernel.xfrmPolicies(host);
        assertEquals(3, policies.size(), "B's OUT, the block, the IN guard: " + policies);
        var vx = kernel.links(Netns.at(Path.of("/run/jsesp-test/netns/enc000000000"))).stream()
                .filter(l -> l.name().equals("vxlan0")).findFirst().orElseThrow();
        assertEquals(Esp.PORT, vx.vxlan().port());
        assertEquals(Esp.overlayMtu(1500), vx.mtu());
        assertEquals(2.0, registry.get("jswarm.ipsec.sas").gauge().value());

        a.onView(view(SELF, B, C));
        drain(a);
        assertEquals(union(pairSas(B_VTEP, 2, 1), pairSas(C_VTEP, 3, 1)), sas(), "C joined the network");
        assertEquals(List.of(7L), acks, "the same keys are acknowledged once");

        NetworkPeer pb = a.inspect(NetworkInspectRequest.newBuilder().setNetwork("secret").build()).getPeersList()
                .stream().filter(p -> p.getNodeId().equals(B)).findFirst().orElseThrow();
        assertEquals(1, pb.getKeyGenerationOut());
        assertEquals(List.of(1), pb.getKeyGenerationsInList());
    }

    @Test
    void theGuardsExistBeforeTheEncryptedNetworksDevices() throws IOException {
        NetworkAgent a = agent(SELF, B);
        kernel.clearRecords();
        attach(a);
        List<KernelChange> changes = kernel.calls().stream().map(FakeKernel.Call::change).toList();
        int block = -1;
        int vxlan = -1;
        for (int i = 0; i < changes.size(); i++) {
            if (block < 0 && changes.get(i) instanceof KernelChange.SetXfrmPolicy p
                    && p.policy().action() == XfrmPolicy.Action.BLOCK) {
                block = i;
            }
            if (vxlan < 0 && changes.get(i) instanceof KernelChange.AddLink l && l.spec() instanceof LinkSpec.Vxlan) {
                vxlan = i;
            }
        }
        assertTrue(block >= 0 && vxlan > block, "block at " + block + ", vxlan at " + vxlan + ": " + changes);
        assertTrue(sas().isEmpty(), "no keys yet: no SAs, and nothing leaves in plaintext");
    }

    @Test
    void aRestartDeletesNothingUntilTheFirstKeysThenDropsARemovedNode() throws IOException {
        NetworkAgent a = agent(SELF, B, C);
        attach(a);
        a.onDataKeys(keys(7, 1, peer(B, "192.0.2.2", 2, 1), peer(C, "192.0.2.3", 3, 1)));
        drain(a);
        a.close();
        var before = kernel.snapshot();

        dataplane = new KernelDataplane(kernel, new DataplaneConfig(host, Path.of("/run/jsesp-test")));
        NetworkAgent b = new NetworkAgent(SELF, () -> api, dataplane, dns, settings(), new SimpleMeterRegistry());
        agents.add(b);
        b.start();
        b.onView(view(SELF, B, C));
        b.reconcileNow();
        drain(b);
        assertEquals(before, kernel.snapshot(), "restored and reconciled without keys: the kernel is untouched");

        b.onDataKeys(keys(9, 1, peer(B, "192.0.2.2", 2, 1))); // node rm C
        drain(b);
        assertEquals(pairSas(B_VTEP, 2, 1), sas(), "C's SAs are gone at once");
        assertTrue(kernel.xfrmPolicies(host).stream().noneMatch(p -> p.selector().dst() != null
                && p.selector().dst().address().equals(C_VTEP)), "and its policy");
    }

    @Test
    void afterARebootOutboundSasOfTheOldKeysStayOutAndARotationIsAskedFor() throws Exception {
        NetworkAgent a = agent(SELF, B);
        attach(a);
        a.onDataKeys(keys(7, 1, peer(B, "192.0.2.2", 2, 1)));
        drain(a);
        a.close();
        assertTrue(Files.exists(dir.resolve("ipsec-sent-keys")), "the ledger is in the state directory");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("ipsec-sent-keys"))));
        // The reboot: the kernel lost every SA; the state directory (and with it the ledger) survived.
        for (XfrmId id : sas()) {
            kernel.apply(host, new KernelChange.DeleteXfrmState(id));
        }

        dataplane = new KernelDataplane(kernel, new DataplaneConfig(host, Path.of("/run/jsesp-test")));
        NetworkAgent b = new NetworkAgent(SELF, () -> api, dataplane, dns, settings(), new SimpleMeterRegistry());
        agents.add(b);
        b.start();
        b.onView(view(SELF, B));
        b.onDataKeys(keys(7, 1, peer(B, "192.0.2.2", 2, 1)));
        drain(b);

        assertEquals(Set.of(new XfrmId(SELF_VTEP, spi(2, 1))), sas(), "inbound back; outbound not under an old key");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (api.rotations.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of(1), api.rotations);

        b.onDataKeys(keys(8, 1, peer(B, "192.0.2.2", 2, 1, 2))); // the rotation's fresh generation
        b.onDataKeys(keys(9, 2, peer(B, "192.0.2.2", 2, 1, 2)));
        drain(b);
        assertTrue(sas().contains(new XfrmId(B_VTEP, spi(1, 2))), "fresh keys restore the pair");
    }

    @Test
    void aRotationInstallsInboundFirstThenSwitchesThenRetires() throws IOException {
        NetworkAgent a = agent(SELF, B);
        attach(a);
        a.onDataKeys(keys(7, 1, peer(B, "192.0.2.2", 2, 1)));
        a.onDataKeys(keys(8, 1, peer(B, "192.0.2.2", 2, 1, 2)));
        drain(a);
        assertEquals(union(pairSas(B_VTEP, 2, 1), pairSas(B_VTEP, 2, 2)), sas());
        assertEquals(spi(1, 1), outSpi(), "still sending with g1 while g2 is inbound only");
        NetworkPeer pb = a.inspect(NetworkInspectRequest.newBuilder().setNetwork("secret").build()).getPeersList()
                .stream().filter(p -> p.getNodeId().equals(B)).findFirst().orElseThrow();
        assertEquals(1, pb.getKeyGenerationOut());
        assertEquals(List.of(1, 2), pb.getKeyGenerationsInList());
        a.onDataKeys(keys(9, 2, peer(B, "192.0.2.2", 2, 1, 2)));
        drain(a);
        assertEquals(spi(1, 2), outSpi());
        a.onDataKeys(keys(10, 2, peer(B, "192.0.2.2", 2, 2)));
        drain(a);
        assertEquals(pairSas(B_VTEP, 2, 2), sas());
        assertEquals(List.of(7L, 8L, 9L, 10L), acks, "every step acknowledged once the kernel holds it");
    }

    private int outSpi() throws IOException {
        return kernel.xfrmPolicies(host).stream().filter(p -> p.priority() == Esp.PEER_PRIORITY).findFirst()
                .orElseThrow().template().spi();
    }

    @Test
    void aSoftExpireAsksForOneRotationPerGeneration() throws Exception {
        NetworkAgent a = agent(SELF, B);
        attach(a);
        a.onDataKeys(keys(7, 1, peer(B, "192.0.2.2", 2, 1)));
        drain(a);
        kernel.emitXfrm(host, new XfrmEvent.Expired(new XfrmId(B_VTEP, spi(1, 1)), Esp.REQID, false));
        kernel.emitXfrm(host, new XfrmEvent.Expired(new XfrmId(SELF_VTEP, spi(2, 1)), Esp.REQID, false));
        kernel.emitXfrm(host, new XfrmEvent.Expired(new XfrmId(SELF_VTEP, 0x1234), 7, false)); // not ours
        drain(a);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (api.rotations.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of(1), api.rotations);
        assertEquals(2.0, registry.get("jswarm.ipsec.expires").tag("limit", "soft").counter().count());
        assertEquals(1.0, registry.get("jswarm.ipsec.rotations.requested").counter().count());
        XfrmId toB = new XfrmId(B_VTEP, spi(1, 1));
        kernel.emitXfrm(host, new XfrmEvent.Expired(toB, Esp.REQID, true)); // the kernel deletes it
        drain(a);
        // Never written again with its key (GCM nonce reuse; vxlan's SentKeys): lost, and a rotation is asked for.
        assertFalse(sas().contains(toB), "a hard-expired outbound SA is not put back under its old key");
        assertEquals(1.0, registry.get("jswarm.ipsec.expires").tag("limit", "hard").counter().count());
        deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (api.rotations.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of(1, 1), api.rotations, "the lost outbound SA asks for fresh keys");
        XfrmState s = kernel.xfrmStates(host).getFirst();
        assertEquals(1000, s.limits().softBytes(), "the configured soft limits");
        assertEquals(100, s.limits().softPackets());
    }

    @Test
    void keysTheKernelRefusedAreNotAcknowledgedUntilAReconcileInstallsThem() throws IOException {
        NetworkAgent a = agent(SELF, B);
        attach(a);
        kernel.failWhen((ns, c) -> c instanceof KernelChange.SetXfrmState, 12); // ENOMEM
        a.onDataKeys(keys(7, 1, peer(B, "192.0.2.2", 2, 1)));
        drain(a);
        assertTrue(acks.isEmpty(), "nothing acknowledged while the kernel lacks the SAs");
        kernel.clearFaults();
        a.reconcileNow(); // the data plane remembered the intent: its reconcile installs the SAs
        assertEquals(pairSas(B_VTEP, 2, 1), sas());
        assertTrue(acks.isEmpty());
        a.onView(view(SELF, B)); // the agent's next look (a view, keys, its periodic reconcile) acknowledges
        drain(a);
        assertEquals(List.of(7L), acks);
    }

    @Test
    void theEndpointMtuLeavesRoomForEsp() throws IOException {
        NetworkAgent a = agent(SELF, B);
        attach(a);
        var eth0 = kernel.links(Netns.named(sandbox)).stream().filter(l -> l.name().equals("eth0")).findFirst()
                .orElseThrow();
        assertEquals(1416, eth0.mtu(), "1500 - 50 (VXLAN) - 34 (ESP), padded to GCM's 4 bytes");
    }

    @Test
    void leavingTheLastEncryptedNetworkRemovesEverySaAndPolicy() throws IOException {
        NetworkAgent a = agent(SELF, B);
        attach(a);
        a.onDataKeys(keys(7, 1, peer(B, "192.0.2.2", 2, 1)));
        drain(a);
        a.detach(NetworkDetachRequest.newBuilder().setSandbox(sandbox).build());
        assertTrue(sas().isEmpty());
        assertTrue(kernel.xfrmPolicies(host).isEmpty());
    }

    @Test
    void withoutEspAnAttachIsRefusedAndNothingIsMade() throws IOException {
        kernel.setEspSupported(false);
        NetworkAgent a = agent(SELF, B);
        drain(a);
        var before = kernel.snapshot();
        var saved = savedState();
        var e = assertThrows(StatusRuntimeException.class, () -> attach(a));
        assertEquals(saved, savedState(), "the saved state is unchanged");
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("cannot do IPsec ESP"), e.getStatus().getDescription());
        assertEquals(before, kernel.snapshot(), "no namespace, no link, no policy");
        assertEquals(0, api.attached.get(), "the manager was not asked");
        assertEquals(0, a.pendingReleases());
        assertTrue(dns.served.isEmpty());
    }

    /** Every file of the agent's state directory and its bytes. */
    private java.util.Map<String, String> savedState() throws IOException {
        var out = new java.util.TreeMap<String, String>();
        try (var files = java.nio.file.Files.walk(dir)) {
            for (Path f : files.filter(java.nio.file.Files::isRegularFile).toList()) {
                out.put(dir.relativize(f).toString(), java.util.HexFormat.of().formatHex(java.nio.file.Files.readAllBytes(f)));
            }
        }
        return out;
    }

    @Test
    void withoutEspAnAttachTheViewDidNotExplainIsUndoneAfterTheManager() throws IOException {
        kernel.setEspSupported(false);
        NetworkAgent a = agent(SELF, B);
        a.onView(view(SELF, B).toBuilder().removeNetworks(1).build()); // the view is behind: no "secret" yet
        drain(a);
        var before = kernel.snapshot();
        assertThrows(StatusRuntimeException.class, () -> attach(a));
        assertEquals(before, kernel.snapshot(), "nothing made");
        assertEquals(List.of("ep1"), api.detached, "the address the manager gave is released at once");
        assertFalse(kernel.namespaceExists(Path.of("/run/netns", sandbox)), "no sandbox");
    }
}
