package io.jswarm.gossip.grant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.gossip.replication.EntryCheck;
import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.gossip.table.Seal;
import io.jswarm.gossip.table.TableEvent;
import io.jswarm.gossip.table.Version;
import io.jswarm.proto.table.EndpointGrant;
import io.jswarm.proto.table.SignedGrant;
import java.net.InetAddress;
import java.security.KeyPair;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The verification caches of {@link GrantAuthority}: each distinct grant and entry signature is verified once,
 * the caches stay within their bound (least recently used dropped, then verified again), and nothing a cache
 * holds lets a forgery through: a cached grant under another signature, or a cached grant on an altered entry.
 */
final class GrantAuthorityTest {
    private static final String NET = "net1";
    private static final InetAddress VTEP = InetAddress.ofLiteral("192.0.2.10");
    private static final EntryCheck.Directory VIEW = EntryCheck.Directory.of(n -> Set.of("owner", "relay"),
            n -> Optional.of(VTEP));

    private final CertificateAuthority ca = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1),
            InstantSource.system());
    private final KeyPair ownerKey = CertificateAuthority.newKeyPair();
    private final KeyPair attackerKey = CertificateAuthority.newKeyPair();

    private GrantAuthority authority(int cacheEntries) {
        return new GrantAuthority(ca.certificate().getPublicKey(), cacheEntries);
    }

    /** Endpoint k of "owner", granted at allocation k + 1 and signed by {@code signer}. */
    private TableEvent.Upserted entry(int k, long lamport, KeyPair signer) {
        InetAddress ip = InetAddress.ofLiteral("198.51.100." + (k + 1));
        var r = new EndpointRecord("task-" + k, List.of(), ip, String.format("02:42:c6:33:64:%02x", k + 1), VTEP,
                "owner", k + 1);
        ByteString g = EndpointGrant.newBuilder().setNetworkId(NET).setEndpointId("ep-" + k)
                .setIp(ByteString.copyFrom(ip.getAddress())).setMac(r.mac()).setOwnerNode("owner")
                .setName(r.name()).setAllocationIndex(k + 1)
                .setOwnerKey(ByteString.copyFrom(ownerKey.getPublic().getEncoded())).build().toByteString();
        SignedGrant sg = SignedGrant.newBuilder().setGrant(g)
                .setCaSignature(ByteString.copyFrom(ca.signGrant(g.toByteArray()))).build();
        var unsealed = new TableEvent.Upserted("ep-" + k, new Version(lamport, "owner"), r,
                new Seal(sg, ByteString.EMPTY));
        return (TableEvent.Upserted) new GrantSealer(signer.getPrivate()).seal(NET, unsealed);
    }

    /** An entry named {@code name} under a lease grant (issue 12) of address k: no names in the grant. */
    private TableEvent.Upserted leased(int k, String name, long allocation) {
        InetAddress ip = InetAddress.ofLiteral("198.51.100." + (k + 1));
        var r = new EndpointRecord(name, List.of("alias"), ip, String.format("02:42:c6:33:64:%02x", k + 1), VTEP,
                "owner", allocation);
        ByteString g = EndpointGrant.newBuilder().setNetworkId(NET).setEndpointId("ep-" + k)
                .setIp(ByteString.copyFrom(ip.getAddress())).setMac(r.mac()).setOwnerNode("owner")
                .setAllocationIndex(k + 1).setLease(true)
                .setOwnerKey(ByteString.copyFrom(ownerKey.getPublic().getEncoded())).build().toByteString();
        SignedGrant sg = SignedGrant.newBuilder().setGrant(g)
                .setCaSignature(ByteString.copyFrom(ca.signGrant(g.toByteArray()))).build();
        var unsealed = new TableEvent.Upserted("ep-" + k, new Version(1, "owner"), r, new Seal(sg, ByteString.EMPTY));
        return (TableEvent.Upserted) new GrantSealer(ownerKey.getPrivate()).seal(NET, unsealed);
    }

    @Test
    void aLeaseGrantBindsTheAddressAndAllocationButNotTheNames() {
        GrantAuthority a = authority(16);
        assertEquals(Optional.empty(), relayed(a, leased(3, "any-name", 4)));
        assertEquals(Optional.of("allocation 9 is not the granted 4"), relayed(a, leased(3, "any-name", 9)));
        // An ordinary grant still binds the names.
        TableEvent.Upserted plain = entry(3, 1, ownerKey);
        var renamed = new TableEvent.Upserted(plain.endpointId(), plain.version(), new EndpointRecord("other",
                List.of(), plain.record().ip(), plain.record().mac(), VTEP, "owner", plain.record().allocation()),
                plain.seal());
        assertEquals(Optional.of("names are not the granted ones"), a.refusal(NET, renamed, "owner", VIEW));
    }

    private static Optional<String> relayed(GrantAuthority a, TableEvent e) {
        return a.refusal(NET, e, "relay", VIEW);
    }

    @Test
    void aRelayedEntryIsVerifiedOnceAndItsCopiesHitTheCache() {
        var a = authority(16);
        var e = entry(0, 5, ownerKey);
        for (int i = 0; i < 3; i++) {
            assertEquals(Optional.empty(), relayed(a, e));
        }
        assertEquals(new GrantAuthority.Stats(1, 1, 4, 0), a.stats()); // 2 copies x (grant + entry) from the cache
    }

    @Test
    void aForgedEntryUnderACachedGrantIsStillRefused() {
        var a = authority(16);
        var genuine = entry(0, 5, ownerKey);
        assertEquals(Optional.empty(), relayed(a, genuine)); // grant and entry now cached
        // The genuine signature on a bumped version (a relay replaying it as newer):
        var replayed = new TableEvent.Upserted(genuine.endpointId(), new Version(6, "owner"), genuine.record(),
                genuine.seal());
        assertEquals(Optional.of("owner signature does not verify"), relayed(a, replayed));
        // The cached grant, signed over by the attacker's key (a withdrawal the owner never made):
        var tombstone = new TableEvent.Deleted(genuine.endpointId(), new Version(7, "owner"), Duration.ofMinutes(1),
                new Seal(genuine.seal().grant(), ByteString.EMPTY));
        var forgedTombstone = new GrantSealer(attackerKey.getPrivate()).seal(NET, tombstone);
        assertEquals(Optional.of("owner signature does not verify"), relayed(a, forgedTombstone));
        // The cached grant's bytes under a CA signature that is not the CA's (another key's, valid DER):
        SignedGrant sg = genuine.seal().grant();
        byte[] notTheCa = io.jswarm.encryption.Grants.signEntry(attackerKey.getPrivate(), sg.getGrant().toByteArray());
        var reSigned = genuine.withSeal(new Seal(sg.toBuilder().setCaSignature(ByteString.copyFrom(notTheCa)).build(),
                genuine.seal().signature()));
        assertEquals(Optional.of("grant not signed by the cluster CA"), relayed(a, reSigned));
        // Straight from its owner, the altered record still meets the cached grant's fields:
        var otherIp = new EndpointRecord(genuine.record().name(), List.of(), InetAddress.ofLiteral("198.51.100.99"),
                genuine.record().mac(), VTEP, "owner", genuine.record().allocation());
        var moved = new TableEvent.Upserted(genuine.endpointId(), new Version(8, "owner"), otherIp, genuine.seal());
        assertEquals(Optional.of("IP 198.51.100.99 is not the granted one"), a.refusal(NET, moved, "owner", VIEW));
        assertEquals(Optional.empty(), relayed(a, genuine), "the genuine entry is still believed");
    }

    @Test
    void aCachedGrantSplitDifferentlyBetweenSignatureAndBytesIsNotAHit() {
        var a = authority(16);
        var genuine = entry(0, 5, ownerKey);
        assertEquals(Optional.empty(), a.refusal(NET, genuine, "owner", VIEW));
        SignedGrant sg = genuine.seal().grant();
        ByteString sig = sg.getCaSignature();
        var shifted = SignedGrant.newBuilder().setCaSignature(sig.substring(0, sig.size() - 1))
                .setGrant(sig.substring(sig.size() - 1).concat(sg.getGrant())).build(); // same concatenation
        var e = genuine.withSeal(new Seal(shifted, genuine.seal().signature()));
        assertEquals(Optional.of("grant not signed by the cluster CA"), a.refusal(NET, e, "owner", VIEW));
        assertEquals(2, a.stats().caVerifications());
    }

    @Test
    void theCachesStayWithinTheirBoundAndAnEvictedEntryIsVerifiedAgain() {
        var a = authority(4);
        List<TableEvent.Upserted> es = new java.util.ArrayList<>();
        for (int k = 0; k < 10; k++) {
            es.add(entry(k, 5, ownerKey));
        }
        es.forEach(e -> assertEquals(Optional.empty(), relayed(a, e)));
        GrantAuthority.Stats full = a.stats();
        assertEquals(10, full.caVerifications());
        assertEquals(10, full.ownerVerifications());
        assertEquals(12, full.evictions(), "grants and entries: 6 evictions each, the one owner key stays");

        assertEquals(Optional.empty(), relayed(a, es.get(9))); // most recent: still cached
        assertEquals(full.cacheHits() + 2, a.stats().cacheHits());
        assertEquals(10, a.stats().caVerifications());

        assertEquals(Optional.empty(), relayed(a, es.get(0))); // evicted long ago: verified again, still believed
        assertEquals(11, a.stats().caVerifications());
        assertEquals(11, a.stats().ownerVerifications());
    }

    @Test
    void aFloodOfForgeriesIsNeverCached() {
        var a = authority(4);
        var genuine = entry(0, 5, ownerKey);
        assertEquals(Optional.empty(), relayed(a, genuine));
        for (int i = 0; i < 20; i++) {
            var unsealed = new TableEvent.Upserted(genuine.endpointId(), new Version(10 + i, "owner"),
                    genuine.record(), new Seal(genuine.seal().grant(), ByteString.EMPTY));
            var forged = new GrantSealer(attackerKey.getPrivate()).seal(NET, unsealed); // the attacker's signature
            assertTrue(relayed(a, forged).isPresent());
        }
        assertEquals(0, a.stats().evictions(), "refused entries take no cache room");
        long verified = a.stats().ownerVerifications();
        assertEquals(Optional.empty(), relayed(a, genuine));
        assertEquals(verified, a.stats().ownerVerifications(), "the genuine entry stayed cached");
    }

    @Test
    void aCacheBoundBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Lru<String, String>(0));
        assertThrows(IllegalArgumentException.class, () -> authority(0));
    }
}
