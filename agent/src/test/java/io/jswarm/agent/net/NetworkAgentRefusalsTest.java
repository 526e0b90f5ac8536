package io.jswarm.agent.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.dns.NameLookup;
import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.cluster.NetworkConnectRequest;
import io.jswarm.proto.cluster.NetworkView;
import io.jswarm.proto.cluster.NodeInfo;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, findings 9 and 11 on the agent: an attach into the host's namespace, a name or alias the table
 * would refuse, a malformed {@code --ip} are all refused before the manager, the kernel or the saved state
 * change; and a sandbox on internal networks only forwards no DNS.
 */
class NetworkAgentRefusalsTest {
    private static final String SELF = "node000000000000000000001";
    private static final Network NET = NetworkAgentTest.NET;
    private static final Network INTERNAL = NET.toBuilder().setNetworkId("int0000000000000000000002").setName("inner")
            .setSubnet("10.0.2.0/24").setGateway("10.0.2.1").setIpRange("10.0.2.0/24").setVni(4098).setInternal(true)
            .build();

    @TempDir
    Path dir;
    private final FakeKernel kernel = new FakeKernel();
    private KernelDataplane dataplane;
    private final NetworkAgentTest.FakeApi api = new NetworkAgentTest.FakeApi();
    private final LookupRecorder dns = new LookupRecorder();
    private final List<NetworkAgent> agents = new ArrayList<>();
    private final String sandbox = "jssmall-" + Long.toString(System.nanoTime(), 36);

    @BeforeEach
    void setUp() throws IOException {
        Netns underlay = kernel.createNamespace(Path.of("/run/netns/jssmall-host"));
        kernel.apply(underlay, List.of(new KernelChange.AddLink(new LinkSpec.Bridge("ul0", 1500, null)),
                new KernelChange.AddAddress(new Address("ul0", IpPrefix.parse("192.0.2.1/24"))),
                KernelChange.SetLink.up("ul0")));
        dataplane = new KernelDataplane(kernel, new DataplaneConfig(underlay, Path.of("/run/jssmall-test")));
        api.networks.add(INTERNAL);
    }

    @AfterEach
    void close() {
        agents.forEach(NetworkAgent::close);
    }

    private NetworkAgent agent() throws IOException {
        NetworkAgent a = new NetworkAgent(SELF, () -> api, dataplane, dns, NetworkAgent.Settings.defaults(dir));
        agents.add(a);
        a.start();
        a.onView(ClusterView.newBuilder().setDataPathPort(4789)
                .addNodes(NodeInfo.newBuilder().setId(SELF).setHostname("h1").setAddr("192.0.2.1").setDataPathAddr("192.0.2.1"))
                .addNetworks(NetworkView.newBuilder().setNetwork(NET))
                .addNetworks(NetworkView.newBuilder().setNetwork(INTERNAL)).build());
        return a;
    }

    /** The request is refused with {@code code}, and nothing anywhere changed. */
    private void refusedChangingNothing(NetworkAgent a, Status.Code code, Supplier<Object> call, String what)
            throws IOException {
        var kernelBefore = kernel.snapshot();
        int allocations = api.attached.get();
        var e = assertThrows(StatusRuntimeException.class, call::get, what);
        assertEquals(code, e.getStatus().getCode(), what + ": " + e.getStatus());
        assertEquals(kernelBefore, kernel.snapshot(), what + ": the kernel is unchanged");
        assertEquals(allocations, api.attached.get(), what + ": the manager was not asked");
        assertTrue(api.detached.isEmpty(), what + ": nothing to release");
        assertEquals(0, a.pendingReleases(), what);
        assertTrue(dns.served.isEmpty(), what + ": no DNS");
    }

    private static Supplier<Object> connect(NetworkAgent a, String sandbox, String name) {
        return () -> {
            try {
                return a.connect(NetworkConnectRequest.newBuilder().setNetwork("ov").setSandbox(sandbox).setName(name)
                        .build());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    @Test
    void connectIntoTheHostNamespaceIsRefusedByIdentityBeforeAnythingIsMade() throws Exception {
        NetworkAgent a = agent();
        kernel.bindHostNamespace(Path.of("/run/netns/jssmall-hostbind")); // mount --bind /proc/1/ns/net ...
        for (String ns : List.of("/proc/self/ns/net", "/proc/1/ns/net", "/run/netns/jssmall-hostbind")) {
            refusedChangingNothing(a, Status.Code.INVALID_ARGUMENT, connect(a, ns, "h"), ns);
        }
        // By name too: "connect ov jssmall-hostbind" is the same bind mount.
        refusedChangingNothing(a, Status.Code.INVALID_ARGUMENT, connect(a, "jssmall-hostbind", ""), "by name");
        assertFalse(kernel.links(Netns.current()).stream().anyMatch(l -> l.name().startsWith("eth")),
                "no overlay interface in the host namespace");
    }

    @Test
    void namesTheTableWouldRefuseAreRefusedBeforeTheManagerAndTheKernel() throws Exception {
        NetworkAgent a = agent();
        kernel.createNamespace(Path.of("/run/netns", sandbox)); // a runtime's namespace
        refusedChangingNothing(a, Status.Code.INVALID_ARGUMENT, connect(a, sandbox, "n".repeat(256)), "256 characters");
        refusedChangingNothing(a, Status.Code.INVALID_ARGUMENT, () -> {
            try {
                return a.connect(NetworkConnectRequest.newBuilder().setNetwork("ov").setSandbox(sandbox)
                        .addAliases("a".repeat(300)).build());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "a 300-character alias");
        refusedChangingNothing(a, Status.Code.INVALID_ARGUMENT, () -> {
            try {
                var r = NetworkConnectRequest.newBuilder().setNetwork("ov").setSandbox(sandbox);
                for (int i = 0; i < 33; i++) {
                    r.addAliases("alias" + i);
                }
                return a.connect(r.build());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "33 aliases");
        refusedChangingNothing(a, Status.Code.INVALID_ARGUMENT, () -> {
            try {
                return a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName("web").setIp("10.0.1.300")
                        .build());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "a malformed --ip");
        // And a good one still works afterwards: nothing was left reserved.
        assertEquals("eth0", a.connect(NetworkConnectRequest.newBuilder().setNetwork("ov").setSandbox(sandbox).build())
                .getIfName());
    }

    @Test
    void aSandboxOnInternalNetworksOnlyForwardsNoDns() throws Exception {
        NetworkAgent a = agent();
        a.attach(NetworkAttachRequest.newBuilder().setNetwork("inner").setName(sandbox).build());
        assertFalse(dns.served.get(sandbox).forwards(), "internal only: no external DNS");
        a.attach(NetworkAttachRequest.newBuilder().setNetwork("ov").setName(sandbox + "x").build());
        assertTrue(dns.served.get(sandbox + "x").forwards(), "a non-internal network forwards");
        a.connect(NetworkConnectRequest.newBuilder().setNetwork("ov").setSandbox(sandbox).build());
        assertTrue(dns.served.get(sandbox).forwards(), "on an internal and a non-internal network: forwards (Docker)");
    }

    /** Records the lookup each sandbox is served with. */
    static final class LookupRecorder implements SandboxResolver {
        final Map<String, NameLookup> served = new HashMap<>();

        @Override
        public synchronized void serve(String key, Netns sandbox, NameLookup lookup) {
            served.put(key, lookup);
        }

        @Override
        public synchronized void stop(String key) {
            served.remove(key);
        }

        @Override
        public void writeResolvConf(String name) {
        }

        @Override
        public void removeResolvConf(String name) {
        }

        @Override
        public void close() {
        }
    }
}
