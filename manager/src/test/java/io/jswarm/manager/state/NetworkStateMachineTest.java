package io.jswarm.manager.state;

import static io.jswarm.manager.state.Commands.add;
import static io.jswarm.manager.state.Commands.init;
import static io.jswarm.manager.state.Commands.remove;
import static io.jswarm.manager.state.NetCommands.attach;
import static io.jswarm.manager.state.NetCommands.create;
import static io.jswarm.manager.state.NetCommands.detach;
import static io.jswarm.manager.state.NetCommands.network;
import static io.jswarm.manager.state.NetCommands.prune;
import static io.jswarm.manager.state.NetCommands.release;
import static io.jswarm.manager.state.NetCommands.rmNet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.proto.state.AddressPool;
import io.jswarm.proto.state.AttachEndpoint;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.InitCluster;
import io.jswarm.proto.state.Network;
import io.jswarm.proto.state.Role;
import io.jswarm.proto.state.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NetworkStateMachineTest {
    private final StateMachine sm = new StateMachine();
    private long index;

    @BeforeEach
    void cluster() {
        ok(init("c1"));
        ok(add("n1", Role.ROLE_MANAGER));
        ok(add("n2", Role.ROLE_WORKER));
    }

    private void ok(Command c) {
        Commands.assertApplied(sm.apply(++index, c));
    }

    /** Asserts the refusal from validate, and that applying it anyway (a lost race in the log) changes nothing. */
    private void refused(String reason, Command c) {
        assertEquals(Optional.of(reason), sm.validate(c));
        Snapshot before = sm.snapshot().toBuilder().clearLastAppliedIndex().build();
        assertEquals(new Applied.Refused(reason), sm.apply(++index, c));
        assertEquals(before, sm.snapshot().toBuilder().clearLastAppliedIndex().build());
    }

    private String ip(String net, String endpointId) {
        return sm.endpoints(net).stream().filter(e -> e.getEndpointId().equals(endpointId)).findFirst()
                .orElseThrow().getAddress();
    }

    @Test
    void aNetworkFromTheDefaultPoolGetsTheNextBlockGatewayAndVni() {
        ok(create(network("front").setAttachable(true).setInternal(true).setMtu(1400).putLabels("tier", "web")));
        ok(create("back"));
        Network front = sm.network("front").orElseThrow();
        assertEquals("10.0.0.0/24", front.getSubnet());
        assertEquals("10.0.0.1", front.getGateway());
        assertEquals("10.0.0.0/24", front.getIpRange());
        assertEquals(4097, front.getVni());
        assertTrue(front.getAttachable() && front.getInternal());
        assertEquals(1400, front.getMtu());
        assertEquals("web", front.getLabelsMap().get("tier"));
        assertEquals(1000, front.getCreatedAtMillis());
        assertEquals(front, sm.network("id-front").orElseThrow());
        Network back = sm.network("back").orElseThrow();
        assertEquals("10.0.1.0/24", back.getSubnet());
        assertEquals(4098, back.getVni());
        assertEquals(List.of("front", "back"), sm.networks().stream().map(Network::getName).toList());
    }

    @Test
    void theConfiguredPoolAndMaskAreUsed() {
        StateMachine other = new StateMachine();
        Command init = Command.newBuilder().setInitCluster(InitCluster.newBuilder().setClusterId("c")
                .setDefaultAddressPool(AddressPool.newBuilder().addCidrs("172.30.0.0/16").setMaskLength(26))).build();
        other.apply(1, init);
        other.apply(2, create("a"));
        other.apply(3, create("b"));
        assertEquals("172.30.0.0/26", other.network("a").orElseThrow().getSubnet());
        assertEquals("172.30.0.64/26", other.network("b").orElseThrow().getSubnet());
    }

    @Test
    void explicitSubnetGatewayAndRangeAreKept() {
        ok(create(network("app").setSubnet("192.168.50.0/24").setGateway("192.168.50.254").setIpRange("192.168.50.128/25")));
        Network n = sm.network("app").orElseThrow();
        assertEquals("192.168.50.254", n.getGateway());
        assertEquals("192.168.50.128/25", n.getIpRange());
        ok(attach("app", "e1", "n1"));
        assertEquals("192.168.50.128", ip("app", "e1"));
    }

    @Test
    void poolCarvingSkipsExplicitSubnets() {
        ok(create("explicit", "10.0.0.0/23"));
        ok(create("carved"));
        assertEquals("10.0.2.0/24", sm.network("carved").orElseThrow().getSubnet());
    }

    @Test
    void everyCreateErrorIsClearAndCreatesNothing() {
        ok(create("a", "10.10.0.0/16"));
        refused("network with name a already exists", create(network("a").setNetworkId("other")));
        refused("network with id id-a already exists", create(network("z").setNetworkId("id-a")));
        refused("network id is required", create(network("z").setNetworkId("")));
        refused("network with name id-a already exists", create(network("id-a").setNetworkId("other")));
        refused("network id a is already another network's name", create(network("z").setNetworkId("a")));
        refused("invalid network name \"-bad\": must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", create("-bad"));
        refused("invalid network name \"\": must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", create(""));
        refused("invalid subnet 10.20.0.1/16: host bits set", create("z", "10.20.0.1/16"));
        refused("invalid subnet nonsense: expected a.b.c.d/len", create("z", "nonsense"));
        refused("invalid subnet 10.20.0.0/31: too small, must be /30 or larger", create("z", "10.20.0.0/31"));
        refused("invalid pool request: subnet 10.10.5.0/24 overlaps with network a (10.10.0.0/16)", create("z", "10.10.5.0/24"));
        refused("invalid pool request: subnet 10.0.0.0/8 overlaps with network a (10.10.0.0/16)", create("z", "10.0.0.0/8"));
        refused("no matching subnet for gateway 10.30.0.1: not in 10.20.0.0/24",
                create(network("z").setSubnet("10.20.0.0/24").setGateway("10.30.0.1")));
        refused("gateway 10.20.0.255 is the network or broadcast address of 10.20.0.0/24",
                create(network("z").setSubnet("10.20.0.0/24").setGateway("10.20.0.255")));
        refused("invalid gateway 10.20.0", create(network("z").setSubnet("10.20.0.0/24").setGateway("10.20.0")));
        refused("invalid ip-range 10.20.0.0/33", create(network("z").setSubnet("10.20.0.0/24").setIpRange("10.20.0.0/33")));
        refused("no matching subnet for ip-range 10.20.1.0/25: not within 10.20.0.0/24",
                create(network("z").setSubnet("10.20.0.0/24").setIpRange("10.20.1.0/25")));
        refused("no matching subnet for ip-range 10.20.0.0/23: not within 10.20.0.0/24",
                create(network("z").setSubnet("10.20.0.0/24").setIpRange("10.20.0.0/23")));
        refused("every ip-range or gateway must have a corresponding subnet", create(network("z").setGateway("10.0.0.1")));
        refused("invalid mtu 20: must be between 68 and 65535", create(network("z").setMtu(20)));
        assertEquals(List.of("a"), sm.networks().stream().map(Network::getName).toList());
    }

    @Test
    void poolExhaustionIsRefused() {
        StateMachine small = new StateMachine();
        small.apply(1, Command.newBuilder().setInitCluster(InitCluster.newBuilder().setClusterId("c")
                .setDefaultAddressPool(AddressPool.newBuilder().addCidrs("10.9.0.0/23").setMaskLength(24))).build());
        Commands.assertApplied(small.apply(2, create("a")));
        Commands.assertApplied(small.apply(3, create("b")));
        assertEquals(Optional.of("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network"),
                small.validate(create("c")));
        // An explicit subnet outside the pool still works; removing one frees its block.
        Commands.assertApplied(small.apply(4, create("d", "192.168.0.0/24")));
        Commands.assertApplied(small.apply(5, rmNet("a")));
        Commands.assertApplied(small.apply(6, create("c")));
        assertEquals("10.9.0.0/24", small.network("c").orElseThrow().getSubnet());
    }

    @Test
    void vnisAreSerialAndNotReusedAtOnce() {
        ok(create("a"));
        ok(create("b"));
        ok(rmNet("a"));
        ok(create("c"));
        assertEquals(4099, sm.network("c").orElseThrow().getVni());
        ok(prune());
        ok(create("d"));
        assertEquals(4100, sm.network("d").orElseThrow().getVni());
    }

    @Test
    void attachAllocatesSeriallyAndDetachFreesWithoutImmediateReuse() {
        ok(create(network("net").setSubnet("10.5.0.0/29")));
        ok(attach("net", "e1", "n1"));
        ok(attach("id-net", "e2", "n2"));
        assertEquals("10.5.0.2", ip("net", "e1"));
        assertEquals("10.5.0.3", ip("net", "e2"));
        ok(detach("net", "e1"));
        ok(attach("net", "e3", "n1"));
        assertEquals("10.5.0.4", ip("net", "e3"));
        ok(attach("net", "e4", "n1", "10.5.0.2"));
        Endpoint e4 = sm.endpoints("net").get(2);
        assertEquals("10.5.0.2", e4.getAddress());
        assertEquals("n1", e4.getNodeId());
        assertEquals("id-net", e4.getNetworkId());
        assertEquals(List.of("e2", "e3", "e4"), sm.endpoints("net").stream().map(Endpoint::getEndpointId).toList());
    }

    @Test
    void everyEndpointErrorIsClearAndAllocatesNothing() {
        ok(create(network("net").setSubnet("10.5.0.0/24").setIpRange("10.5.0.64/26")));
        ok(attach("net", "e1", "n1", "10.5.0.70"));
        refused("network nope not found", attach("nope", "e2", "n1"));
        refused("endpoint id is required", attach("net", "", "n1"));
        refused("endpoint e1 already exists in network net", attach("net", "e1", "n1"));
        refused("node ghost not found", attach("net", "e2", "ghost"));
        refused("endpoint name is required", Command.newBuilder().setAttachEndpoint(AttachEndpoint.newBuilder()
                .setNetworkId("net").setEndpointId("e2").setNodeId("n1")).build());
        refused("endpoint with name name-e1 already exists in network net", Command.newBuilder().setAttachEndpoint(
                AttachEndpoint.newBuilder().setNetworkId("net").setEndpointId("e2").setNodeId("n1").setName("name-e1")).build());
        refused("address 10.5.0.70 already in use", attach("net", "e2", "n1", "10.5.0.70"));
        refused("requested address 10.5.0.5 is out of range: not in ip-range 10.5.0.64/26", attach("net", "e2", "n1", "10.5.0.5"));
        refused("requested address 10.6.0.70 is out of range: not in subnet 10.5.0.0/24", attach("net", "e2", "n1", "10.6.0.70"));
        refused("invalid IP address 10.5.0.700", attach("net", "e2", "n1", "10.5.0.700"));
        refused("network nope not found", detach("nope", "e1"));
        refused("endpoint e9 not found in network net", detach("net", "e9"));
        assertEquals(1, sm.endpoints("net").size());
    }

    @Test
    void theGatewayIsNeverGivenEvenOnRequest() {
        ok(create(network("net").setSubnet("10.5.0.0/24")));
        refused("address 10.5.0.1 already in use", attach("net", "e1", "n1", "10.5.0.1"));
        refused("requested address 10.5.0.0 is the network or broadcast address of 10.5.0.0/24", attach("net", "e1", "n1", "10.5.0.0"));
    }

    @Test
    void addressExhaustionIsRefused() {
        ok(create(network("net").setSubnet("10.5.0.0/30"))); // one usable address besides the gateway
        ok(attach("net", "e1", "n1"));
        refused("no available IPv4 addresses on this network's address pools: 10.5.0.0/30 is exhausted", attach("net", "e2", "n1"));
    }

    @Test
    void aNetworkWithEndpointsCannotBeRemovedButCanAfterDetach() {
        ok(create("net"));
        ok(attach("net", "e1", "n1"));
        refused("error while removing network: network net id id-net has active endpoints (1)", rmNet("net"));
        refused("network nope not found", rmNet("nope"));
        ok(detach("net", "e1"));
        ok(rmNet("id-net"));
        assertTrue(sm.network("net").isEmpty());
        assertEquals(List.of(), sm.endpoints("net"));
    }

    @Test
    void pruneRemovesOnlyNetworksWithoutEndpoints() {
        ok(create("busy"));
        ok(create("idle1"));
        ok(create("idle2"));
        ok(attach("busy", "e1", "n1"));
        assertEquals(List.of("idle1", "idle2"), sm.prunableNetworks().stream().map(Network::getName).toList());
        ok(prune());
        assertEquals(List.of("busy"), sm.networks().stream().map(Network::getName).toList());
    }

    @Test
    void removingANodeReleasesItsEndpoints() {
        ok(create(network("net").setSubnet("10.5.0.0/24")));
        ok(attach("net", "e1", "n1"));
        ok(attach("net", "e2", "n2"));
        ok(attach("net", "e3", "n1"));
        ok(remove("n1"));
        assertEquals(List.of("e2"), sm.endpoints("net").stream().map(Endpoint::getEndpointId).toList());
        // The freed addresses (.2, .4) are not reused at once: serial order goes on from .4.
        ok(add("n3", Role.ROLE_WORKER));
        ok(attach("net", "e4", "n3"));
        assertEquals("10.5.0.5", ip("net", "e4"));
        // And the name of a released endpoint is free again.
        ok(Command.newBuilder().setAttachEndpoint(AttachEndpoint.newBuilder().setNetworkId("net")
                .setEndpointId("e5").setNodeId("n3").setName("name-e1")).build());
    }

    @Test
    void aNodeReleasingItsEndpointsFreesThemOnEveryNetworkAndKeepsTheNode() {
        ok(create(network("a").setSubnet("10.5.0.0/24")));
        ok(create(network("b").setSubnet("10.6.0.0/24")));
        ok(attach("a", "e1", "n2"));
        ok(attach("a", "e2", "n1"));
        ok(attach("b", "e3", "n2"));
        Endpoint e1 = sm.endpoints("a").getFirst();
        Endpoint e3 = sm.endpoints("b").getFirst();
        assertEquals(new Applied.NodeEndpointsReleased("n2", List.of(e1, e3)), sm.apply(++index, release("n2")));
        assertEquals(List.of("e2"), sm.endpoints("a").stream().map(Endpoint::getEndpointId).toList(), "n1's stays");
        assertEquals(List.of(), sm.endpoints("b"));
        assertTrue(sm.node("n2").isPresent(), "releasing is not removing: the node may still run");
        // The names are free at once; the addresses are not reused at once (serial order goes on).
        ok(Command.newBuilder().setAttachEndpoint(AttachEndpoint.newBuilder().setNetworkId("a")
                .setEndpointId("e4").setNodeId("n1").setName("name-e1")).build());
        assertEquals("10.5.0.4", ip("a", "e4"));
        assertEquals(new Applied.NodeEndpointsReleased("n2", List.of()), sm.apply(++index, release("n2")));
        refused("node nX not found", release("nX"));
        StateMachine copy = new StateMachine();
        copy.restore(sm.snapshot());
        assertEquals(sm.snapshot(), copy.snapshot());
    }

    @Test
    void everyApplyReturnsWhatItDecided() {
        Applied.NetworkCreated created = (Applied.NetworkCreated) sm.apply(++index, create("a"));
        assertEquals(sm.network("a").orElseThrow(), created.network());
        assertEquals(4097, created.network().getVni());
        Applied.EndpointAttached attached = (Applied.EndpointAttached) sm.apply(++index, attach("a", "e1", "n2"));
        assertEquals(created.network(), attached.network());
        assertEquals(sm.endpoints("a"), List.of(attached.endpoint()));
        assertEquals("10.0.0.2", attached.endpoint().getAddress());
        assertEquals(new Applied.EndpointDetached(attached.endpoint()), sm.apply(++index, detach("a", "e1")));
        ok(create("b"));
        ok(attach("b", "e2", "n2"));
        assertEquals(new Applied.NetworksPruned(List.of(created.network())), sm.apply(++index, prune()));
        Endpoint e2 = sm.endpoints("b").getFirst();
        assertEquals(new Applied.NodeRemoved("n2", List.of(e2)), sm.apply(++index, remove("n2")));
        Network b = sm.network("b").orElseThrow();
        assertEquals(new Applied.NetworkRemoved(b), sm.apply(++index, rmNet("b")));
    }

    @Test
    void networkCommandsNeedACluster() {
        StateMachine empty = new StateMachine();
        assertEquals(Optional.of("this node is not part of a swarm"), empty.validate(create("a")));
        assertEquals(Optional.of("this node is not part of a swarm"), empty.validate(prune()));
        assertEquals(Optional.of("this node is not part of a swarm"), empty.validate(attach("a", "e", "n1")));
    }

    @Test
    void snapshotCarriesNetworksEndpointsAndCursors() {
        ok(create(network("a").setSubnet("10.5.0.0/24").putLabels("k", "v")));
        ok(create("b"));
        ok(rmNet("b"));
        ok(attach("a", "e1", "n1"));
        ok(attach("a", "e2", "n2"));
        ok(detach("a", "e2"));
        StateMachine copy = new StateMachine();
        copy.restore(sm.snapshot());
        assertEquals(sm.snapshot(), copy.snapshot());
        assertEquals(sm.networks(), copy.networks());
        // The copy continues serial order exactly where the original is.
        Command next = attach("a", "e3", "n1");
        Command net = create("c");
        assertEquals(sm.apply(++index, next), copy.apply(index, next));
        assertEquals(sm.apply(++index, net), copy.apply(index, net));
        assertEquals("10.5.0.4", ip("a", "e3"));
        assertEquals(copy.endpoints("a"), sm.endpoints("a"));
        assertEquals(4099, copy.network("c").orElseThrow().getVni());
        assertEquals(sm.snapshot(), copy.snapshot());
    }

    @Test
    void racingProposalsAreResolvedAtApplyIdenticallyOnEveryReplica() {
        ok(create(network("net").setSubnet("10.5.0.0/24")));
        StateMachine replica = new StateMachine();
        replica.restore(sm.snapshot());
        List<Command> log = List.of(attach("net", "x1", "n1"), attach("net", "x2", "n2"),
                create("p", "10.6.0.0/24"), create("q", "10.6.0.0/25"), create("r"), create("s"));
        // Managers proposing at once each validated against the state before any of these: all pass.
        log.forEach(c -> assertEquals(Optional.empty(), sm.validate(c), c.toString()));
        List<Applied> outcomes = new ArrayList<>();
        for (Command c : log) {
            Applied here = sm.apply(++index, c);
            assertEquals(here, replica.apply(index, c));
            outcomes.add(here);
        }
        // In log order, the unpinned ones get distinct values and the overlapping loser is skipped alike.
        assertEquals(new Applied.Refused("invalid pool request: subnet 10.6.0.0/25 overlaps with network p (10.6.0.0/24)"), outcomes.get(3));
        assertEquals(5, outcomes.stream().filter(a -> !(a instanceof Applied.Refused)).count());
        assertTrue(sm.network("q").isEmpty());
        assertEquals(List.of("10.5.0.2", "10.5.0.3"), sm.endpoints("net").stream().map(Endpoint::getAddress).toList());
        assertEquals(List.of("10.0.0.0/24", "10.0.1.0/24"),
                List.of(sm.network("r").orElseThrow().getSubnet(), sm.network("s").orElseThrow().getSubnet()));
        assertEquals(List.of(4098, 4099, 4100),
                Stream.of("p", "r", "s").map(n -> sm.network(n).orElseThrow().getVni()).toList());
        assertEquals(sm.snapshot(), replica.snapshot());
    }

    @Test
    void aCorruptSnapshotIsRefused() {
        ok(create("a"));
        ok(attach("a", "e1", "n1"));
        Snapshot s = sm.snapshot();
        Snapshot dupEndpoint = s.toBuilder().addEndpoints(s.getEndpoints(0)).build();
        assertThrows(IllegalArgumentException.class, () -> new StateMachine().restore(dupEndpoint));
        Snapshot sameAddress = s.toBuilder().addEndpoints(s.getEndpoints(0).toBuilder().setEndpointId("e2")).build();
        assertThrows(IllegalArgumentException.class, () -> new StateMachine().restore(sameAddress));
    }
}
