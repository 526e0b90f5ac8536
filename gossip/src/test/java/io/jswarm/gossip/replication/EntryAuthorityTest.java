package io.jswarm.gossip.replication;

import static io.jswarm.gossip.replication.Nodes.FAST;
import static io.jswarm.gossip.replication.Nodes.NET;
import static io.jswarm.gossip.replication.Nodes.record;
import static io.jswarm.gossip.replication.Nodes.vtep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.gossip.grant.GrantSealer;
import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.gossip.table.PageLimits;
import io.jswarm.gossip.table.Seal;
import io.jswarm.gossip.table.TableEvent;
import io.jswarm.gossip.table.Version;
import java.net.InetAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, "entries are bound to their owner": forged table messages, as a member with its own valid
 * certificate, key and grants would send them, against replicators holding the CA (hand-stepped world).
 * Each of these tests fails with {@link TableTrust#NONE} (every member believed, as before the fix).
 */
final class EntryAuthorityTest {
    private static final long NOW = java.time.Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

    private final Grantor grantor = new Grantor();

    /** a (the victim), b and c (the attacker) on NET, with the view's data-path addresses. */
    private List<Nodes.Node> world(Nodes ns, String... ids) {
        var out = new ArrayList<Nodes.Node>();
        for (String id : ids) {
            out.add(ns.start(id, FAST, grantor.trust(id)));
        }
        Map<String, InetAddress> vteps = new java.util.HashMap<>();
        for (String id : ids) {
            vteps.put(id, vtep(id));
        }
        out.forEach(n -> {
            n.replicator().participants(NET, Set.of("a", "b", "c"));
            n.replicator().dataAddresses(vteps);
        });
        ns.settle();
        out.forEach(n -> n.replicator().join(NET));
        ns.settle();
        return out;
    }

    private TableEvent.Upserted signedBy(String signer, TableEvent.Upserted e) {
        return (TableEvent.Upserted) new GrantSealer(grantor.key(signer).getPrivate()).seal(NET, e);
    }

    private static EndpointRecord withVtep(EndpointRecord r, String vtepOwner, String owner) {
        return new EndpointRecord(r.name(), r.aliases(), r.ip(), r.mac(), vtep(vtepOwner), owner, r.allocation());
    }

    @Test
    void finding1_anEventForAnotherNodesEndpointWithTheAttackersVtepIsRefused() {
        try (Nodes ns = new Nodes()) {
            var all = world(ns, "a", "b", "c");
            var b = all.get(1);
            EndpointRecord victim = record("web", "a", 1).withAllocation(10);
            all.get(0).replicator().upsert(NET, "e1", victim, grantor.grant(NET, "e1", victim, 10));
            EndpointRecord own = record("evil", "c", 3).withAllocation(12);
            var ownGrant = grantor.grant(NET, "e3", own, 12);
            all.get(2).replicator().upsert(NET, "e3", own, ownGrant);
            ns.settle();
            assertEquals(vtep("a"), b.visible().get("e1").vtep());
            assertTrue(b.visible().containsKey("e3"), "the attacker's own endpoint is believed (control)");

            EndpointRecord hijack = withVtep(victim, "c", "c");
            long v = NOW + 5;
            var forged = List.<TableEvent>of(
                    // unsigned, a new id with the victim's IP and MAC (what worked before)
                    new TableEvent.Upserted("a0", new Version(v, "c"), hijack),
                    // signed by c under its own grant, for another endpoint id
                    signedBy("c", new TableEvent.Upserted("a0", new Version(v, "c"), hijack, new Seal(ownGrant, ByteString.EMPTY))),
                    // signed by c under its own grant and id, but the victim's IP and MAC
                    signedBy("c", new TableEvent.Upserted("e3", new Version(v, "c"), hijack.withAllocation(12),
                            new Seal(ownGrant, ByteString.EMPTY))),
                    // the victim's grant copied, entry owned by c
                    signedBy("c", new TableEvent.Upserted("e1", new Version(v, "c"), hijack,
                            new Seal(grantor.grant(NET, "e1", victim, 10), ByteString.EMPTY))),
                    // a grant for c made by a CA of c's own
                    signedBy("c", new TableEvent.Upserted("a0", new Version(v, "c"), hijack,
                            new Seal(Grantor.sign(otherCa(), grantor.unsigned(NET, "a0", hijack, 99).build()), ByteString.EMPTY))));
            for (TableEvent e : forged) {
                ns.network.messenger("c").send("b", TableMessages.event(NET, e));
            }
            ns.settle();
            assertEquals(Set.of("e1", "e3"), b.visible().keySet());
            assertEquals(vtep("a"), b.visible().get("e1").vtep(), "the victim's entry still points at its owner");
            assertEquals(forged.size(), b.replicator().refusedEntries());
        }
    }

    @Test
    void finding1_anOwnerCannotNameAVtepThatIsNotItsDataPathAddress() {
        try (Nodes ns = new Nodes()) {
            var all = world(ns, "a", "b", "c");
            // c's own endpoint, own grant, own signature, but b's data-path address: traffic for it goes to b
            EndpointRecord r = withVtep(record("x", "c", 3), "b", "c").withAllocation(4);
            all.get(2).replicator().upsert(NET, "e3", r, grantor.grant(NET, "e3", r, 4));
            ns.settle();
            assertFalse(all.get(1).visible().containsKey("e3"));
            assertFalse(all.get(0).visible().containsKey("e3"));
            assertTrue(all.get(1).replicator().refusedEntries() > 0);
        }
    }

    @Test
    void finding1_aRelayCannotAlterOrWithdrawAnEntry() {
        try (Nodes ns = new Nodes()) {
            var all = world(ns, "a", "b", "c");
            var b = all.get(1);
            EndpointRecord victim = record("web", "a", 1).withAllocation(10);
            var grant = grantor.grant(NET, "e1", victim, 10);
            all.get(0).replicator().upsert(NET, "e1", victim, grant);
            ns.settle();
            // a's genuine signature on an altered copy (VTEP moved to c, version raised), relayed by c
            var genuine = signedBy("a", new TableEvent.Upserted("e1", new Version(NOW + 100, "a"), victim,
                    new Seal(grant, ByteString.EMPTY)));
            var altered = new TableEvent.Upserted("e1", new Version(NOW + 101, "a"), withVtep(victim, "c", "a"),
                    genuine.seal());
            // a withdrawal of a's endpoint, signed by c
            var withdrawn = new GrantSealer(grantor.key("c").getPrivate()).seal(NET,
                    new TableEvent.Deleted("e1", new Version(NOW + 102, "a"), Duration.ofMinutes(30),
                            new Seal(grant, ByteString.EMPTY)));
            // and one without any signature
            var unsigned = new TableEvent.Deleted("e1", new Version(NOW + 103, "a"), Duration.ofMinutes(30));
            ns.network.messenger("c").send("b", TableMessages.pages(NET, List.of(altered, withdrawn, unsigned),
                    PageLimits.DEFAULT).getFirst());
            ns.settle();
            assertEquals(vtep("a"), b.visible().get("e1").vtep());
            assertEquals(3, b.replicator().refusedEntries());
            // a genuine relayed copy is believed: relaying still repairs
            ns.network.messenger("c").send("b", TableMessages.pages(NET, List.of(genuine), PageLimits.DEFAULT)
                    .getFirst());
            ns.settle();
            assertEquals(victim, b.visible().get("e1"));
            assertEquals(3, b.replicator().refusedEntries());
        }
    }

    @Test
    void finding3_aMemberWithNoEndpointOnTheNetworkCannotInjectAName() {
        try (Nodes ns = new Nodes()) {
            var all = world(ns, "a", "b", "c");
            ns.start("d", FAST, grantor.trust("d")); // a member, not a participant of NET
            var b = all.get(1);
            EndpointRecord www = new EndpointRecord("www.example.com", List.of(), InetAddress.ofLiteral("10.0.0.66"),
                    "02:42:0a:00:00:42", vtep("d"), "d", 7);
            // unsigned; and signed under a genuine grant for another network of d's
            ns.network.messenger("d").send("b", TableMessages.event(NET,
                    new TableEvent.Upserted("w1", new Version(NOW + 1, "d"), www)));
            ns.network.messenger("d").send("b", TableMessages.event(NET, signedBy("d",
                    new TableEvent.Upserted("w1", new Version(NOW + 2, "d"), www,
                            new Seal(grantor.grant("net2", "w1", www, 7), ByteString.EMPTY)))));
            // and signed under a genuine grant for NET (allocated, say, before the endpoint was detached)
            ns.network.messenger("d").send("b", TableMessages.event(NET, signedBy("d",
                    new TableEvent.Upserted("w1", new Version(NOW + 3, "d"), www,
                            new Seal(grantor.grant(NET, "w1", www, 7), ByteString.EMPTY)))));
            ns.settle();
            assertTrue(b.visible().values().stream().noneMatch(r -> r.name().equals("www.example.com")));
            assertEquals(3, b.replicator().refusedEntries());
        }
    }

    @Test
    void aGenuineEndpointReplicatesEverywhereAndItsWithdrawalToo() {
        try (Nodes ns = new Nodes()) {
            var all = world(ns, "a", "b", "c");
            EndpointRecord r = record("web", "a", 1).withAllocation(3);
            all.get(0).replicator().upsert(NET, "e1", r, grantor.grant(NET, "e1", r, 3));
            ns.settle();
            all.forEach(n -> assertEquals(r, n.visible().get("e1"), n.id()));
            all.get(0).replicator().delete(NET, "e1");
            ns.settle();
            all.forEach(n -> assertFalse(n.visible().containsKey("e1"), n.id()));
            all.forEach(n -> assertEquals(0, n.replicator().refusedEntries(), n.id()));
        }
    }

    @Test
    void aNodeThatMissedTheEventsGetsThemRelayedByAntiEntropy() {
        try (Nodes ns = new Nodes()) {
            var all = world(ns, "a", "b", "c");
            ns.network.dropIf((from, to) -> Set.of(from, to).equals(Set.of("a", "c")));
            EndpointRecord r = record("web", "a", 1).withAllocation(3);
            all.get(0).replicator().upsert(NET, "e1", r, grantor.grant(NET, "e1", r, 3));
            ns.settle();
            assertFalse(all.get(2).visible().containsKey("e1"));
            ns.advance(Duration.ofSeconds(2)); // c's digests reach b, which relays a's signed entry
            assertEquals(r, all.get(2).visible().get("e1"));
            assertEquals(0, all.get(2).replicator().refusedEntries());
        }
    }

    private static CertificateAuthority otherCa() {
        return CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
    }
}
