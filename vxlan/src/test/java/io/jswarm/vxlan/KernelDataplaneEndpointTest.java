package io.jswarm.vxlan;

import static io.jswarm.vxlan.DataplaneFixture.NET;
import static io.jswarm.vxlan.DataplaneFixture.NET2;
import static io.jswarm.vxlan.DataplaneFixture.SANDBOX;
import static io.jswarm.vxlan.DataplaneFixture.endpoint;
import static io.jswarm.vxlan.DataplaneFixture.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelException;
import io.jswarm.vxlan.kernel.Link;
import io.jswarm.vxlan.kernel.Route;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class KernelDataplaneEndpointTest {
    private final DataplaneFixture f = new DataplaneFixture();
    private final Netns ns = f.netns(NET);
    private final Path sandboxPath = ((Netns.AtPath) SANDBOX).path();

    @BeforeEach
    void network() throws Exception {
        f.dataplane.ensureNetwork(NET);
        f.kernel.clearRecords();
    }

    @Test
    void ensureEndpointWiresAVethFromBr0IntoTheSandbox() throws Exception {
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));

        assertTrue(f.kernel.namespaceExists(sandboxPath));
        Link eth0 = f.link(SANDBOX, "eth0").orElseThrow();
        assertEquals("veth", eth0.kind());
        assertEquals(MacAddress.parse("02:42:0a:00:01:05"), eth0.mac());
        assertEquals(1450, eth0.mtu());
        assertTrue(eth0.up());
        assertTrue(f.link(SANDBOX, "lo").orElseThrow().up(), "lo comes up in a sandbox we made");
        assertTrue(f.kernel.addresses(SANDBOX).contains(new Address("eth0", IpPrefix.parse("10.0.1.5/24"))));
        assertTrue(f.kernel.routes(SANDBOX).contains(Route.defaultVia(ip("10.0.1.1"), "eth0")));
        Link hostEnd = f.link(ns, "veep1").orElseThrow();
        assertEquals("br0", hostEnd.master());
        assertTrue(hostEnd.up());
        assertEquals(1450, hostEnd.mtu());
    }

    @Test
    void theSandboxEndIsCreatedInPlaceNotMoved() throws Exception {
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        assertTrue(f.kernel.calls().stream().noneMatch(c -> c.change() instanceof KernelChange.MoveLink));
    }

    @Test
    void aSecondEnsureChangesNothing() throws Exception {
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        f.kernel.clearRecords();
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        assertEquals(0, f.kernel.mutationCount(), f.kernel.calls().toString());
    }

    @Test
    void aSecondEnsureRepairsTheEndpoint() throws Exception {
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        f.kernel.apply(SANDBOX, new KernelChange.DeleteAddress(new Address("eth0", IpPrefix.parse("10.0.1.5/24"))));
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        assertTrue(f.kernel.addresses(SANDBOX).contains(new Address("eth0", IpPrefix.parse("10.0.1.5/24"))));
    }

    @Test
    void badInputChangesNothing() throws Exception {
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        var before = f.snapshot();
        f.kernel.clearRecords();
        List<Executable> bad = List.of(
                () -> f.dataplane.ensureEndpoint(endpoint("ep2", "10.0.2.5/24")),            // outside subnet
                () -> f.dataplane.ensureEndpoint(endpoint("ep2", "10.0.1.5/16")),            // wrong length
                () -> f.dataplane.ensureEndpoint(endpoint("ep2", "10.0.1.1/24")),            // the gateway
                () -> f.dataplane.ensureEndpoint(endpoint("ep2", "10.0.1.0/24")),            // network address
                () -> f.dataplane.ensureEndpoint(endpoint("ep2", "10.0.1.255/24")),          // broadcast
                () -> f.dataplane.ensureEndpoint(other("ep2", "10.0.1.5/24", "jsdp-sb2")),  // IP taken
                () -> f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.6/24")),            // same id, other spec
                () -> f.dataplane.ensureEndpoint(endpoint("ep2", "10.0.1.6/24")),            // eth0 taken in sandbox
                () -> f.dataplane.ensureEndpoint(new EndpointSpec("ep3", "net1", Netns.named("jsdp-none"), false,
                        "eth0", IpPrefix.parse("10.0.1.7/24"), null)),                          // sandbox absent
                () -> f.dataplane.ensureEndpoint(new EndpointSpec("ep3", "nosuch", SANDBOX, true, "eth1",
                        IpPrefix.parse("10.0.1.7/24"), null)));                                // unknown network
        for (Executable call : bad) {
            assertThrows(IllegalArgumentException.class, call);
        }
        f.assertUnchangedBy(before);
        assertEquals(0, f.kernel.mutationCount());
    }

    @Test
    void aSecondNetworkInTheSameSandboxKeepsTheFirstDefaultRoute() throws Exception {
        f.dataplane.ensureNetwork(NET2);
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        f.dataplane.ensureEndpoint(new EndpointSpec("ep2", "net2", SANDBOX, true, "eth1",
                IpPrefix.parse("10.0.2.5/24"), null));

        List<Route> defaults = f.kernel.routes(SANDBOX).stream().filter(r -> r.dst().length() == 0).toList();
        assertEquals(List.of(Route.defaultVia(ip("10.0.1.1"), "eth0")), defaults);
        assertTrue(f.link(SANDBOX, "eth1").orElseThrow().up());

        f.dataplane.removeEndpoint("net1", "ep1");
        assertTrue(f.kernel.namespaceExists(sandboxPath), "ep2 still lives in the sandbox");
        f.dataplane.removeEndpoint("net2", "ep2");
        assertFalse(f.kernel.namespaceExists(sandboxPath));
    }

    @Test
    void aKernelFailureHalfWayRollsEverythingBack() throws Exception {
        var before = f.snapshot();
        f.kernel.failWhen((n, c) -> c instanceof KernelChange.AddAddress, 22);

        KernelException e = assertThrows(KernelException.class,
                () -> f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24")));

        assertEquals(22, e.errno());
        f.assertUnchangedBy(before);
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24")); // not remembered: a retry makes it afresh
        assertTrue(f.link(SANDBOX, "eth0").isPresent());
    }

    @Test
    void aFailedVethCreateRemovesTheSandboxItMade() throws Exception {
        var before = f.snapshot();
        f.kernel.failWhen((n, c) -> c instanceof KernelChange.AddLink, 17);
        assertThrows(KernelException.class, () -> f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24")));
        f.assertUnchangedBy(before);
    }

    @Test
    void removeEndpointRemovesExactlyWhatWasMade() throws Exception {
        var before = f.snapshot();
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        f.dataplane.removeEndpoint("net1", "ep1");
        f.assertUnchangedBy(before);

        f.kernel.clearRecords();
        f.dataplane.removeEndpoint("net1", "ep1");
        f.dataplane.removeEndpoint("nosuch", "ep1");
        assertEquals(0, f.kernel.mutationCount());
    }

    @Test
    void aRuntimeSandboxIsUsedButNeverDeleted() throws Exception {
        Netns runtime = f.kernel.createNamespace(Path.of("/run/netns/jsdp-runtime"));
        var before = f.snapshot();
        EndpointSpec spec = new EndpointSpec("ep1", "net1", runtime, false, "eth0", IpPrefix.parse("10.0.1.5/24"), null);

        f.dataplane.ensureEndpoint(spec);
        assertTrue(f.link(runtime, "eth0").orElseThrow().up());
        assertFalse(f.link(runtime, "lo").orElseThrow().up(), "lo of a runtime's sandbox is the runtime's business");

        f.dataplane.removeEndpoint("net1", "ep1");
        f.assertUnchangedBy(before);
    }

    @Test
    void anExistingDefaultRouteIsLeftAlone() throws Exception {
        Netns runtime = f.kernel.createNamespace(Path.of("/run/netns/jsdp-runtime"));
        f.kernel.apply(runtime, new KernelChange.AddLink(new io.jswarm.vxlan.kernel.LinkSpec.Veth("gw0", 0, null,
                "gwpeer", f.host, null)), new KernelChange.AddAddress(new Address("gw0", IpPrefix.parse("172.18.0.2/16"))),
                KernelChange.SetLink.up("gw0"),
                new KernelChange.ReplaceRoute(Route.defaultVia(ip("172.18.0.1"), "gw0")));
        f.dataplane.ensureEndpoint(new EndpointSpec("ep1", "net1", runtime, false, "eth1",
                IpPrefix.parse("10.0.1.5/24"), null));
        List<Route> defaults = f.kernel.routes(runtime).stream().filter(r -> r.dst().length() == 0).toList();
        assertEquals(List.of(Route.defaultVia(ip("172.18.0.1"), "gw0")), defaults);
    }

    @Test
    void hostInterfaceNamesFitAndStayDistinct() {
        String a = Names.hostVeth("0123456789abcdef0123456789abcdef");
        String b = Names.hostVeth("0123456789abcdef0123456789abcdee");
        assertTrue(a.length() <= 15 && b.length() <= 15, a + " " + b);
        assertNotEquals(a, b);
        assertEquals(a, Names.hostVeth("0123456789abcdef0123456789abcdef"), "deterministic");
        assertEquals("veabc", Names.hostVeth("abc"));
        assertEquals("vx-001001-net1", Names.vxlanInHost(NET));
    }

    @Test
    void longEndpointIdsWork() throws Exception {
        String id = "f".repeat(64);
        f.dataplane.ensureEndpoint(endpoint(id, "10.0.1.5/24"));
        assertTrue(f.link(ns, Names.hostVeth(id)).isPresent());
    }

    private static EndpointSpec other(String id, String address, String sandbox) {
        return new EndpointSpec(id, "net1", Netns.named(sandbox), true, "eth0", IpPrefix.parse(address), null);
    }
}
