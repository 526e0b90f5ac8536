package io.jswarm.manager.state;

import static io.jswarm.manager.state.Commands.add;
import static io.jswarm.manager.state.Commands.init;
import static io.jswarm.manager.state.Commands.remove;
import static io.jswarm.manager.state.LeaseCommands.claim;
import static io.jswarm.manager.state.LeaseCommands.giveBack;
import static io.jswarm.manager.state.LeaseCommands.grant;
import static io.jswarm.manager.state.NetCommands.attach;
import static io.jswarm.manager.state.NetCommands.create;
import static io.jswarm.manager.state.NetCommands.detach;
import static io.jswarm.manager.state.NetCommands.network;
import static io.jswarm.manager.state.NetCommands.prune;
import static io.jswarm.manager.state.NetCommands.release;
import static io.jswarm.manager.state.NetCommands.rmNet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.LeasedAddress;
import io.jswarm.proto.state.Role;
import io.jswarm.proto.state.Snapshot;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Address leases in the state machine (issue 12): grant, claim, return, the log's reclaims, snapshots. */
class LeaseStateMachineTest {
    private final StateMachine sm = new StateMachine();
    private long index;

    @BeforeEach
    void cluster() {
        ok(init("c1"));
        ok(add("n1", Role.ROLE_MANAGER));
        ok(add("n2", Role.ROLE_WORKER));
        ok(create(network("web").setAttachable(true))); // 10.0.0.0/24, gateway 10.0.0.1
    }

    private Applied ok(Command c) {
        return Commands.assertApplied(sm.apply(++index, c));
    }

    /** The refusal from validate, and applying it anyway (a lost race in the log) changes nothing. */
    private void refused(String reason, Command c) {
        assertEquals(Optional.of(reason), sm.validate(c));
        Snapshot before = sm.snapshot().toBuilder().clearLastAppliedIndex().build();
        assertEquals(new Applied.Refused(reason), sm.apply(++index, c));
        assertEquals(before, sm.snapshot().toBuilder().clearLastAppliedIndex().build());
    }

    private List<String> leased(String node) {
        return sm.view().leasesOf(node).stream().map(LeasedAddress::getAddress).toList();
    }

    private String ip(String endpointId) {
        return sm.endpoints("web").stream().filter(e -> e.getEndpointId().equals(endpointId)).findFirst()
                .orElseThrow().getAddress();
    }

    @Test
    void aGrantTakesTheNextAddressesInSerialOrderAndNoAttachCanTakeThem() {
        ok(attach("web", "e1", "n1"));
        var g = (Applied.LeaseGranted) ok(grant("web", "n2", "l1", "l2", "l3"));
        assertEquals(List.of("10.0.0.3", "10.0.0.4", "10.0.0.5"), g.granted().stream().map(LeasedAddress::getAddress).toList());
        assertEquals(index, g.granted().getFirst().getGrantedIndex()); // the grant's log index
        assertEquals(List.of("l1", "l2", "l3"), g.granted().stream().map(LeasedAddress::getEndpointId).toList());
        assertEquals(g.granted(), g.held());
        ok(attach("web", "e2", "n1"));
        assertEquals("10.0.0.2", ip("e1"));
        assertEquals("10.0.0.6", ip("e2")); // the serial cursor moved past the lease
        refused("address 10.0.0.4 already in use", attach("web", "e3", "n1", "10.0.0.4"));
    }

    @Test
    void aClaimTurnsTheHoldersLeasedAddressIntoAnEndpointWithTheLeasesId() {
        ok(grant("web", "n2", "l1", "l2"));
        refused("address 10.0.0.2 is not leased to node n1", claim("web", "n1", "10.0.0.2", "stolen"));
        refused("address 10.0.0.9 is not leased to node n2", claim("web", "n2", "10.0.0.9", "c1"));
        var c = (Applied.LeaseClaimed) ok(claim("web", "n2", "10.0.0.3", "c1"));
        Endpoint e = c.endpoint();
        assertEquals(List.of("l2", "10.0.0.3", "n2", "c1"), List.of(e.getEndpointId(), e.getAddress(), e.getNodeId(), e.getName()));
        assertEquals(List.of("10.0.0.2"), leased("n2"));
        assertEquals(List.of(e), sm.endpoints("web"));
        refused("address 10.0.0.3 is not leased to node n2", claim("web", "n2", "10.0.0.3", "again")); // once only
    }

    @Test
    void aClaimWhoseNameWasTakenMeanwhileIsRefusedAndTheLeaseStays() {
        ok(grant("web", "n2", "l1"));
        ok(attach("web", "e1", "n1")); // name-e1, attached through a manager while n2 was cut off
        refused("endpoint with name name-e1 already exists in network web", claim("web", "n2", "10.0.0.2", "name-e1"));
        assertEquals(List.of("10.0.0.2"), leased("n2"));
    }

    @Test
    void aReturnFreesOnlyWhatTheNodeHoldsAndTheCursorStaysSerial() {
        ok(grant("web", "n2", "l1", "l2"));
        ok(grant("web", "n1", "m1"));
        var r = (Applied.LeaseReturned) ok(giveBack("web", "n2", "10.0.0.2", "10.0.0.4", "10.0.0.99"));
        assertEquals(List.of("10.0.0.2"), r.returned().stream().map(LeasedAddress::getAddress).toList()); // .4 is n1's
        assertEquals(List.of("10.0.0.3"), leased("n2"));
        assertEquals(List.of("10.0.0.4"), leased("n1"));
        ok(attach("web", "e1", "n1"));
        assertEquals("10.0.0.5", ip("e1")); // not the address just returned: serial order
        ok(attach("web", "e2", "n1", "10.0.0.2")); // but it is free
        refused("invalid leased address \"x\"", giveBack("web", "n2", "x"));
    }

    @Test
    void leasesAreBoundedPerNodeAndNetworkAndCountAgainstTheEndpointQuota() {
        refused("lease limit exceeded: node n2 holds 0 leased addresses on this network, asked for 9 more (limit 8)",
                grant("web", "n2", "a", "b", "c", "d", "e", "f", "g", "h", "i"));
        refused("lease endpoint id \"a\" is empty or already in use", grant("web", "n2", "a", "a"));
        refused("a lease needs at least one address", grant("web", "n2"));
        refused("node n9 not found", grant("web", "n9", "a"));
        refused("network nope not found", grant("nope", "n2", "a"));
        EndpointQuota three = new EndpointQuota(0, 3, 0);
        ok(grant(three, "web", "n2", "a", "b"));
        refused("lease endpoint id \"a\" is empty or already in use", grant("web", "n1", "a"));
        // The quota counts endpoints and leased addresses alike.
        ok(Command.newBuilder().setAttachEndpoint(three.into(attach("web", "e1", "n2").getAttachEndpoint().toBuilder())).build());
        refused("endpoint quota exceeded: node n2 already owns 3 endpoints on network web (limit 3 per node on this "
                + "network: 3 per network)", Command.newBuilder().setAttachEndpoint(three.into(
                        attach("web", "e2", "n2").getAttachEndpoint().toBuilder())).build());
        refused("endpoint quota exceeded: node n2 already owns 3 endpoints on network web (limit 3 per node on this "
                + "network: 3 per network)", grant(three, "web", "n2", "c"));
    }

    @Test
    void allLeasesOfANetworkStayWithinAQuarterOfItsAddresses() {
        ok(add("n3", Role.ROLE_WORKER));
        ok(create(network("tiny").setSubnet("198.51.100.0/28").setAttachable(true))); // 13 addresses: 3 leasable
        ok(grant("tiny", "n2", "t1", "t2"));
        refused("lease limit exceeded: network id-tiny has 2 leased addresses, asked for 2 more (limit 3: a quarter of "
                + "its 13 addresses)", grant("tiny", "n3", "t3", "t4"));
        ok(grant("tiny", "n3", "t3"));
        ok(attach("tiny", "e1", "n1")); // the rest of the pool is there for attaches
        assertEquals("198.51.100.5", sm.endpoints("tiny").getFirst().getAddress());
    }

    @Test
    void onlyTheLogFreesALeaseNodeRmLeaveAndNetworkRm() {
        ok(add("n3", Role.ROLE_WORKER));
        ok(create(network("db").setAttachable(true)));
        ok(grant("web", "n2", "w1", "w2"));
        ok(grant("db", "n2", "d1"));
        ok(grant("web", "n3", "w3"));
        ok(grant("db", "n1", "d2"));
        ok(remove("n2")); // revoked: every lease of it, on every network
        assertEquals(List.of(), leased("n2"));
        ok(release("n3")); // leave
        assertEquals(List.of(), leased("n3"));
        assertEquals(List.of("10.0.1.3"), leased("n1"));
        ok(rmNet("db")); // a network with leases but no endpoints goes, and its leases with it
        assertEquals(List.of(), sm.view().leases());
        ok(grant("web", "n1", "w9"));
        ok(prune());
        assertEquals(List.of(), sm.view().leases());
        assertTrue(sm.networks().isEmpty());
    }

    @Test
    void leasesSurviveASnapshotAndBothReplicasThenDecideAlike() throws Exception {
        ok(attach("web", "e1", "n1"));
        ok(grant("web", "n2", "l1", "l2", "l3"));
        ok(claim("web", "n2", "10.0.0.3", "c1"));
        ok(detach("web", "e1"));
        Snapshot s = sm.snapshot();
        StateMachine copy = new StateMachine();
        copy.restore(Snapshot.parseFrom(s.toByteArray()));
        assertEquals(s, copy.snapshot());
        assertEquals(3, s.getLeasesCount() + sm.endpoints("web").size());
        List<Command> next = List.of(attach("web", "e2", "n1"), grant("web", "n1", "m1"),
                attach("web", "e3", "n1", "10.0.0.4"), giveBack("web", "n2", "10.0.0.5"), attach("web", "e4", "n1"));
        for (Command c : next) {
            long i = ++index;
            assertEquals(sm.apply(i, c), copy.apply(i, c));
        }
        assertEquals(sm.snapshot(), copy.snapshot());
        assertEquals("10.0.0.6", ip("e2")); // after the lease: the cursor's place survived the snapshot
    }

    @Test
    void aSnapshotWithALeaseOnATakenAddressIsRefused() {
        ok(attach("web", "e1", "n1"));
        Snapshot bad = sm.snapshot().toBuilder().addLeases(LeasedAddress.newBuilder().setNetworkId("id-web")
                .setNodeId("n2").setAddress("10.0.0.2").setEndpointId("l1")).build();
        StateMachine copy = new StateMachine();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> copy.restore(bad));
    }
}
