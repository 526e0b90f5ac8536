package io.jswarm.vxlan;

import static io.jswarm.vxlan.DataplaneFixture.NET;
import static io.jswarm.vxlan.DataplaneFixture.SANDBOX;
import static io.jswarm.vxlan.DataplaneFixture.endpoint;
import static io.jswarm.vxlan.DataplaneFixture.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.ReconcileReport.Kind;
import io.jswarm.vxlan.kernel.FakeKernel;
import io.jswarm.vxlan.kernel.FdbEntry;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelException;
import io.jswarm.vxlan.kernel.Link;
import io.jswarm.vxlan.kernel.PortFilter;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The spoofing guard on a sandbox's bridge port (issue 9, finding 10) over the fake kernel. */
class KernelDataplanePortGuardTest {
    private static final MacAddress MAC = MacAddress.parse("02:42:0a:00:01:05");
    private final DataplaneFixture f = new DataplaneFixture();
    private final Netns ns = f.netns(NET);

    @BeforeEach
    void network() throws Exception {
        f.dataplane.ensureNetwork(NET);
    }

    @Test
    void anEndpointsPortIsGuardedWhenItIsMade() throws Exception {
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));

        assertEquals(Link.BridgePort.GUARDED, f.link(ns, "veep1").orElseThrow().port());
        assertTrue(f.kernel.fdb(ns).contains(FdbEntry.port("veep1", MAC)));
        assertEquals(Optional.of(new PortFilter("veep1", MAC, ip("10.0.1.5"))), f.kernel.portFilter(ns, "veep1"));
        assertTrue(f.dataplane.reconcile().clean());
    }

    @Test
    void vxlan0KeepsLearningOffSoNoRemoteFrameIsLearnt() throws Exception {
        assertFalse(f.link(ns, "vxlan0").orElseThrow().vxlan().learning());
    }

    @Test
    void reconcileRestoresEveryPartOfTheGuard() throws Exception {
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        f.kernel.apply(ns, new KernelChange.SetBridgePort("veep1", Link.BridgePort.DEFAULT),
                new KernelChange.DeletePortFilter("veep1"), new KernelChange.DeleteFdb("veep1", MAC, null));

        ReconcileReport report = f.dataplane.reconcile();

        assertEquals(3, report.count(Kind.PORT_GUARD), report.toString());
        assertEquals(3, report.repairs().size(), report.toString());
        assertEquals(Link.BridgePort.GUARDED, f.link(ns, "veep1").orElseThrow().port());
        assertTrue(f.kernel.fdb(ns).contains(FdbEntry.port("veep1", MAC)));
        assertTrue(f.kernel.portFilter(ns, "veep1").isPresent());
        assertTrue(f.dataplane.reconcile().clean());
    }

    @Test
    void aFilterForAnotherAddressIsReplaced() throws Exception {
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        f.kernel.apply(ns, new KernelChange.SetPortFilter(new PortFilter("veep1", MAC, ip("10.0.1.6"))));

        assertEquals(1, f.dataplane.reconcile().count(Kind.PORT_GUARD));
        assertEquals(Optional.of(new PortFilter("veep1", MAC, ip("10.0.1.5"))), f.kernel.portFilter(ns, "veep1"));
    }

    @Test
    void aPortPutBackOnTheBridgeIsGuardedAgainWithoutExtraReports() throws Exception {
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        f.kernel.apply(ns, KernelChange.SetLink.master("veep1", KernelChange.SetLink.NO_MASTER));

        ReconcileReport report = f.dataplane.reconcile();

        // The detach is the drift; the port's flags and entry coming back are part of repairing it.
        assertEquals(1, report.repairs().size(), report.toString());
        assertEquals(Kind.LINK_WRONG, report.repairs().getFirst().kind());
        assertEquals(Link.BridgePort.GUARDED, f.link(ns, "veep1").orElseThrow().port());
        assertTrue(f.kernel.fdb(ns).contains(FdbEntry.port("veep1", MAC)));
    }

    @Test
    void aFailedGuardRollsTheWholeEndpointBack() throws Exception {
        var before = f.kernel.snapshot();
        f.kernel.failWhen((n, c) -> c instanceof KernelChange.SetPortFilter, 1);

        assertThrows(KernelException.class, () -> f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24")));

        assertEquals(before, f.kernel.snapshot(), "a failed attach leaves nothing behind");
        f.kernel.clearFaults();
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        assertTrue(f.kernel.portFilter(ns, "veep1").isPresent());
    }

    @Test
    void anIpv6EndpointKeepsTheMacGuardWithoutASourceFilter() throws Exception {
        NetworkSpec v6 = NetworkSpec.of("net6", 4099, "fd00:1::1/64", DataplaneFixture.VTEP);
        f.dataplane.ensureNetwork(v6);
        MacAddress mac = MacAddress.parse("02:42:00:00:00:07");
        f.dataplane.ensureEndpoint(new EndpointSpec("ep6", "net6", SANDBOX, true, "eth1",
                IpPrefix.parse("fd00:1::7/64"), mac));
        Netns ns6 = f.netns(v6);

        assertEquals(Link.BridgePort.GUARDED, f.link(ns6, "veep6").orElseThrow().port());
        assertTrue(f.kernel.fdb(ns6).contains(FdbEntry.port("veep6", mac)));
        assertTrue(f.kernel.portFilter(ns6, "veep6").isEmpty());
        assertTrue(f.dataplane.reconcile().clean());
    }

    @Test
    void withTheGuardOffNothingIsProgrammed() throws Exception {
        FakeKernel kernel = f.kernel;
        KernelDataplane off = new KernelDataplane(kernel, f.config.withPortGuard(false));
        NetworkSpec other = NetworkSpec.of("net3", 4100, "10.0.3.1/24", DataplaneFixture.VTEP);
        off.ensureNetwork(other);
        off.ensureEndpoint(new EndpointSpec("ep3", "net3", Netns.named("jsdp-sb3"), true, "eth0",
                IpPrefix.parse("10.0.3.5/24"), null));
        Netns ns3 = f.netns(other);

        assertEquals(Link.BridgePort.DEFAULT, f.link(ns3, "veep3").orElseThrow().port());
        assertTrue(kernel.portFilter(ns3, "veep3").isEmpty());
        assertTrue(kernel.fdb(ns3).stream().noneMatch(FdbEntry::sticky));
    }
}
