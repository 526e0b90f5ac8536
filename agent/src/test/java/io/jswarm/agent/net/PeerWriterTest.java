package io.jswarm.agent.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.gossip.table.ViewChange;
import io.jswarm.vxlan.DataplaneConfig;
import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.KernelDataplane;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.NetworkSpec;
import io.jswarm.vxlan.Peer;
import io.jswarm.vxlan.Vni;
import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FakeKernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.LinkSpec;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The data plane never depends on the control plane: after this daemon restarts, kernel peers found in the
 * kernel keep forwarding while their owners' daemons are not back, and each goes only once it is known gone:
 * its owner came back without it, or the manager's view no longer has the owner on the network. Checked for
 * every order of those events.
 */
class PeerWriterTest {
    private static final String SELF = "node000000000000000000001";
    private static final String NET = "net0000000000000000000001";
    private static final NetworkSpec SPEC = new NetworkSpec(NetworkAgent.specId(NET), Vni.of(4097),
            IpPrefix.parse("10.0.1.1/24"), ip("192.0.2.1"), 4789, 0);
    private static final InetAddress H2 = ip("192.0.2.2");
    private static final InetAddress H3 = ip("192.0.2.3");
    private static final InetAddress H4 = ip("192.0.2.4");
    private static final Peer ON_H2 = peer("10.0.1.3", H2);
    private static final Peer ON_H3 = peer("10.0.1.4", H3);
    private static final Peer ON_H4 = peer("10.0.1.5", H4);

    /** One event after the restart, what it makes known to be gone and what it adds. */
    private record Step(String name, Consumer<PeerWriter> apply, Set<String> gone, Set<String> added) {
    }

    @Test
    void adoptedPeersStayUntilKnownGoneInEveryOrder() throws Exception {
        var h2Back = new Step("h2 back with its endpoint", w -> {
            w.ownerSettled(H2); // its entries are slow to come: no evidence yet, nothing dropped
            w.onChanges(NET, List.of(new ViewChange.Added("e3", record(ON_H2, "node2"))));
        }, Set.of(), Set.of());
        var h3Back = new Step("h3 back with another endpoint only", w -> {
            w.ownerSettled(H3);
            w.onChanges(NET, List.of(new ViewChange.Added("e6", record(peer("10.0.1.6", H3), "node3"))));
        }, Set.of("10.0.1.4"), Set.of("10.0.1.6"));
        var h4Gone = new Step("the view has h4 off the network", w -> w.participants(NET, Set.of(H2, H3)),
                Set.of("10.0.1.5"), Set.of());
        for (List<Step> order : permutations(List.of(h2Back, h3Back, h4Gone))) {
            FakeKernel kernel = new FakeKernel();
            Netns host = host(kernel);
            var config = new DataplaneConfig(host, Path.of("/run/jspw-test"));
            var before = new KernelDataplane(kernel, config);
            before.ensureNetwork(SPEC);
            before.upsertPeers(SPEC.id(), List.of(ON_H2, ON_H3, ON_H4));

            // This daemon restarts while every other daemon is down: its tables are empty.
            var dataplane = new KernelDataplane(kernel, config);
            dataplane.adoptNetwork(SPEC);
            PeerWriter w = new PeerWriter(SELF, dataplane, NetworkAgent::specId, id -> "");
            w.table(NET, Map.of());
            w.programmed(NET, true);
            w.endAdoption(); // the settle after the restart: the owners are silent, not gone
            Set<String> expected = new TreeSet<>(Set.of("10.0.1.3", "10.0.1.4", "10.0.1.5"));
            assertEquals(expected, kernelPeers(kernel, config), "nothing dropped while the owners are silent");
            List<String> names = new ArrayList<>();
            for (Step s : order) {
                names.add(s.name());
                s.apply().accept(w);
                expected.removeAll(s.gone());
                expected.addAll(s.added());
                assertEquals(expected, kernelPeers(kernel, config), String.join(", then ", names));
            }
            assertEquals(true, dataplane.reconcile().clean(), "the kernel is exactly the desired peers");
        }
    }

    @Test
    void aWithdrawnEntryLeavesAPeerThatAnotherEntryStillNeeds() throws Exception {
        FakeKernel kernel = new FakeKernel();
        var config = new DataplaneConfig(host(kernel), Path.of("/run/jspw-test"));
        var dataplane = new KernelDataplane(kernel, config);
        dataplane.ensureNetwork(SPEC);
        PeerWriter w = new PeerWriter(SELF, dataplane, NetworkAgent::specId, id -> "");
        w.table(NET, Map.of());
        w.programmed(NET, false);
        // A stale copy and the real endpoint with the same IP (an address handed out again after a detach).
        w.onChanges(NET, List.of(new ViewChange.Added("old", record(ON_H2, "node2")),
                new ViewChange.Added("new", record(peer("10.0.1.3", H3), "node3"))));
        w.onChanges(NET, List.of(new ViewChange.Removed("old", record(ON_H2, "node2"))));
        assertEquals(Map.of(ip("10.0.1.3"), peer("10.0.1.3", H3)), dataplane.peers(SPEC.id()),
                "the remaining entry's VTEP, not nothing");
    }

    /** Issue 9 finding 5: of two valid entries for one IP, the manager's latest allocation is programmed. */
    @Test
    void theHigherAllocationWinsAndAWithdrawalKeepsWhatTheOtherEntryNeeds() throws Exception {
        FakeKernel kernel = new FakeKernel();
        var config = new DataplaneConfig(host(kernel), Path.of("/run/jspw-test"));
        var dataplane = new KernelDataplane(kernel, config);
        dataplane.ensureNetwork(SPEC);
        PeerWriter w = new PeerWriter(SELF, dataplane, NetworkAgent::specId, id -> "");
        w.table(NET, Map.of());
        w.programmed(NET, false);
        // The old allocation (its owner failed, entry not yet known gone) has the lower endpoint id.
        var old = record(ON_H2, "node2").withAllocation(5);
        var current = record(peer("10.0.1.3", H3), "node3").withAllocation(9);
        w.onChanges(NET, List.of(new ViewChange.Added("aaa", old), new ViewChange.Added("zzz", current)));
        assertEquals(Map.of(ip("10.0.1.3"), peer("10.0.1.3", H3)), dataplane.peers(SPEC.id()),
                "the current allocation, whatever the endpoint ids");
        w.onChanges(NET, List.of(new ViewChange.Removed("aaa", old)));
        assertEquals(Map.of(ip("10.0.1.3"), peer("10.0.1.3", H3)), dataplane.peers(SPEC.id()),
                "withdrawing the old one keeps the current one");
        w.onChanges(NET, List.of(new ViewChange.Added("aaa", old), new ViewChange.Removed("zzz", current)));
        assertEquals(Map.of(ip("10.0.1.3"), ON_H2), dataplane.peers(SPEC.id()),
                "withdrawing the current one leaves the one still valid, not nothing");
    }

    private static Set<String> kernelPeers(FakeKernel kernel, DataplaneConfig config) throws Exception {
        Netns ns = Netns.at(config.networkNamespace(SPEC.id()));
        Set<String> out = new TreeSet<>();
        kernel.neighbors(ns).forEach(n -> out.add(n.ip().getHostAddress()));
        return out;
    }

    private static Netns host(FakeKernel kernel) throws Exception {
        Netns host = kernel.createNamespace(Path.of("/run/netns/jspw-host"));
        kernel.apply(host, List.of(new KernelChange.AddLink(new LinkSpec.Bridge("ul0", 1500, null)),
                new KernelChange.AddAddress(new Address("ul0", IpPrefix.parse("192.0.2.1/24"))),
                KernelChange.SetLink.up("ul0")));
        return host;
    }

    private static EndpointRecord record(Peer p, String owner) {
        return new EndpointRecord("c" + owner, List.of(), p.ip(), p.mac().toString(), p.vtep(), owner);
    }

    private static Peer peer(String ip, InetAddress vtep) {
        return new Peer(ip(ip), MacAddress.forIpv4((java.net.Inet4Address) ip(ip)), vtep);
    }

    private static InetAddress ip(String s) {
        return IpPrefix.parseAddress(s);
    }

    private static <T> List<List<T>> permutations(List<T> items) {
        if (items.isEmpty()) {
            return List.of(List.of());
        }
        List<List<T>> out = new ArrayList<>();
        for (T first : items) {
            List<T> rest = new ArrayList<>(items);
            rest.remove(first);
            for (List<T> tail : permutations(rest)) {
                List<T> p = new ArrayList<>();
                p.add(first);
                p.addAll(tail);
                out.add(p);
            }
        }
        return out;
    }
}
