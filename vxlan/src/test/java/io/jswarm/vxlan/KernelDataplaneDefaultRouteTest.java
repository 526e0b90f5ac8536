package io.jswarm.vxlan;

import static io.jswarm.vxlan.DataplaneFixture.NET;
import static io.jswarm.vxlan.DataplaneFixture.NET2;
import static io.jswarm.vxlan.DataplaneFixture.SANDBOX;
import static io.jswarm.vxlan.DataplaneFixture.VTEP;
import static io.jswarm.vxlan.DataplaneFixture.endpoint;
import static io.jswarm.vxlan.DataplaneFixture.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.Route;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Docker parity: disconnecting the network that carries a sandbox's default route moves the route to another
 * network of the sandbox, the one connected earliest; reconcile then keeps the new owner's route.
 */
class KernelDataplaneDefaultRouteTest {
    private static final NetworkSpec NET3 = NetworkSpec.of("net3", 4099, "10.0.3.1/24", VTEP);
    private final DataplaneFixture f = new DataplaneFixture();

    @BeforeEach
    void networks() throws Exception {
        // Map order of the networks (net1, net2, net3) differs from the order the endpoints are ensured in below.
        f.dataplane.ensureNetwork(NET);
        f.dataplane.ensureNetwork(NET2);
        f.dataplane.ensureNetwork(NET3);
    }

    @Test
    void removingTheOwnerHandsTheRouteToTheEndpointEnsuredEarliest() throws Exception {
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        f.dataplane.ensureEndpoint(on("ep3", NET3, "eth1", "10.0.3.5/24"));
        f.dataplane.ensureEndpoint(on("ep2", NET2, "eth2", "10.0.2.5/24"));
        assertEquals(List.of(Route.defaultVia(ip("10.0.1.1"), "eth0")), defaults());

        f.dataplane.removeEndpoint("net1", "ep1");
        assertEquals(List.of(Route.defaultVia(ip("10.0.3.1"), "eth1")), defaults(), "ep3 was ensured before ep2");

        f.dataplane.removeEndpoint("net3", "ep3");
        assertEquals(List.of(Route.defaultVia(ip("10.0.2.1"), "eth2")), defaults());
    }

    @Test
    void reconcileRestoresTheRouteOfTheNewOwner() throws Exception {
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        f.dataplane.ensureEndpoint(on("ep2", NET2, "eth1", "10.0.2.5/24"));
        f.dataplane.removeEndpoint("net1", "ep1");
        assertTrue(f.dataplane.reconcile().clean(), "the handed-on route is the desired one, not drift");

        f.kernel.apply(SANDBOX, new KernelChange.DeleteRoute(Route.defaultVia(ip("10.0.2.1"), "eth1")));
        ReconcileReport report = f.dataplane.reconcile();
        assertEquals(1, report.count(ReconcileReport.Kind.ROUTE_MISSING), report.toString());
        assertEquals(List.of(Route.defaultVia(ip("10.0.2.1"), "eth1")), defaults());
    }

    @Test
    void removingAnEndpointWithoutTheRouteLeavesTheRouteAlone() throws Exception {
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        f.dataplane.ensureEndpoint(on("ep2", NET2, "eth1", "10.0.2.5/24"));
        f.kernel.clearRecords();

        f.dataplane.removeEndpoint("net2", "ep2");
        assertEquals(List.of(Route.defaultVia(ip("10.0.1.1"), "eth0")), defaults());
        assertTrue(f.kernel.changes(SANDBOX).stream().noneMatch(c -> c instanceof KernelChange.ReplaceRoute));
    }

    @Test
    void anEndpointInAnotherSandboxDoesNotInherit() throws Exception {
        Netns other = Netns.named("jsdp-sb2");
        f.dataplane.ensureEndpoint(new EndpointSpec("ep9", "net2", other, true, "eth0",
                IpPrefix.parse("10.0.2.9/24"), null));
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        f.dataplane.ensureEndpoint(on("ep2", NET3, "eth1", "10.0.3.5/24"));

        f.dataplane.removeEndpoint("net1", "ep1");
        assertEquals(List.of(Route.defaultVia(ip("10.0.3.1"), "eth1")), defaults());
        assertEquals(List.of(Route.defaultVia(ip("10.0.2.1"), "eth0")),
                f.kernel.routes(other).stream().filter(r -> r.dst().length() == 0).toList());
    }

    @Test
    void aRestartedDataplaneStillKnowsWhoOwnsTheRoute() throws Exception {
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        f.dataplane.ensureEndpoint(on("ep2", NET2, "eth1", "10.0.2.5/24"));

        KernelDataplane restarted = new KernelDataplane(f.kernel, f.config);
        restarted.adoptNetwork(NET);
        restarted.adoptNetwork(NET2);
        restarted.ensureEndpoint(on("ep2", NET2, "eth1", "10.0.2.5/24")); // the non-owner first
        restarted.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));

        restarted.removeEndpoint("net1", "ep1");
        assertEquals(List.of(Route.defaultVia(ip("10.0.2.1"), "eth1")), defaults());
    }

    @Test
    void aKernelRefusalDuringTheHandOverIsLeftToReconcile() throws Exception {
        f.dataplane.ensureEndpoint(endpoint("ep1", "10.0.1.5/24"));
        f.dataplane.ensureEndpoint(on("ep2", NET2, "eth1", "10.0.2.5/24"));
        f.kernel.failWhen((ns, c) -> c instanceof KernelChange.ReplaceRoute, 101);

        f.dataplane.removeEndpoint("net1", "ep1"); // the removal itself is complete: no exception
        assertEquals(List.of(), defaults());

        f.kernel.clearFaults();
        ReconcileReport report = f.dataplane.reconcile();
        assertEquals(1, report.count(ReconcileReport.Kind.ROUTE_MISSING), report.toString());
        assertEquals(List.of(Route.defaultVia(ip("10.0.2.1"), "eth1")), defaults());
    }

    private List<Route> defaults() throws Exception {
        return f.kernel.routes(SANDBOX).stream().filter(r -> r.dst().length() == 0).toList();
    }

    private static EndpointSpec on(String id, NetworkSpec net, String ifName, String address) {
        return new EndpointSpec(id, net.id(), SANDBOX, true, ifName, IpPrefix.parse(address), null);
    }
}
