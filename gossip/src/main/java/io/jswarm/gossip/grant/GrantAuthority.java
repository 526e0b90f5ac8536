package io.jswarm.gossip.grant;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.jswarm.encryption.Grants;
import io.jswarm.gossip.replication.EntryCheck;
import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.gossip.table.EntrySigning;
import io.jswarm.gossip.table.TableEvent;
import io.jswarm.proto.table.EndpointGrant;
import io.jswarm.proto.table.SignedGrant;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The manager is the authority on who owns which endpoint: an entry is believed only if
 * <ol>
 *   <li>its grant verifies against the cluster CA and names this network, this endpoint id and the entry's
 *       owner;</li>
 *   <li>the owner's signature (with the key the grant names) covers the whole entry: record, version, deleted
 *       flag and grant, so no relay can alter or withdraw it;</li>
 *   <li>an upsert's IP, MAC, name, aliases and allocation index are the grant's (a lease grant, issue 12, binds
 *       no names), and its VTEP is the owner's data-path address in the manager's latest view;</li>
 *   <li>the owner is a participant of the network in that view.</li>
 * </ol>
 * The owner's signature is checked for relayed entries only: an entry that comes straight from its owner, over
 * the owner's own TLS connection, is authenticated by it (the signature still travels, for the next relay).
 * Signatures are checked once per daemon: verified grants and entries are remembered (bounded, least recently
 * used dropped), so an entry relayed by many peers or resent by anti-entropy costs one verification; owner keys
 * are parsed once. The cheap checks against the view run every time, since the view changes. Thread-safe (the
 * caches lock briefly, never across a verification; two threads may verify the same thing once each).
 */
public final class GrantAuthority implements EntryCheck {
    static final int CACHE_ENTRIES = 65_536;

    /**
     * Signature verifications done (CA over a grant, owner over an entry), cache hits that saved one, and cache
     * evictions: what replication costs a node in cryptography. Readable from any thread.
     */
    public record Stats(long caVerifications, long ownerVerifications, long cacheHits, long evictions) {
    }

    private final PublicKey ca;
    private final Lru<ByteString, EndpointGrant> grants;
    private final Lru<ByteString, Boolean> entries;
    private final Lru<ByteString, PublicKey> ownerKeys;
    private final AtomicLong caVerifications = new AtomicLong();
    private final AtomicLong ownerVerifications = new AtomicLong();
    private final AtomicLong cacheHits = new AtomicLong();

    public GrantAuthority(PublicKey ca) {
        this(ca, CACHE_ENTRIES);
    }

    /** With caches of {@code cacheEntries} each (grants, entries, owner keys). */
    GrantAuthority(PublicKey ca, int cacheEntries) {
        this.ca = Objects.requireNonNull(ca, "ca");
        this.grants = new Lru<>(cacheEntries);
        this.entries = new Lru<>(cacheEntries);
        this.ownerKeys = new Lru<>(cacheEntries);
    }

    public Stats stats() {
        return new Stats(caVerifications.get(), ownerVerifications.get(), cacheHits.get(),
                grants.evictions() + entries.evictions() + ownerKeys.evictions());
    }

    @Override
    public Optional<String> refusal(String networkId, TableEvent e, String from, Directory directory) {
        if (!e.seal().hasGrant() || !e.seal().signed()) {
            return Optional.of("unsigned entry");
        }
        EndpointGrant g = grant(e.seal().grant());
        if (g == null) {
            return Optional.of("grant not signed by the cluster CA");
        }
        String owner = e.version().owner();
        if (!g.getNetworkId().equals(networkId)) {
            return Optional.of("grant is for network " + g.getNetworkId());
        }
        if (!g.getEndpointId().equals(e.endpointId())) {
            return Optional.of("grant is for endpoint " + g.getEndpointId());
        }
        if (!g.getOwnerNode().equals(owner)) {
            return Optional.of("grant owner " + g.getOwnerNode() + " is not the entry owner " + owner);
        }
        if (e instanceof TableEvent.Upserted u) {
            Optional<String> bad = matches(g, u.record());
            if (bad.isPresent()) {
                return bad;
            }
            Optional<InetAddress> vtep = directory.dataAddress(owner);
            if (vtep.isEmpty() || !vtep.get().equals(u.record().vtep())) {
                return Optional.of("VTEP " + u.record().vtep().getHostAddress() + " is not the data-path address of "
                        + owner);
            }
        }
        if (!directory.participants(networkId).contains(owner)) {
            return Optional.of("owner " + owner + " is not a participant");
        }
        if (!owner.equals(from) && !signedByOwner(networkId, e, g)) {
            return Optional.of("owner signature does not verify");
        }
        return Optional.empty();
    }

    private static Optional<String> matches(EndpointGrant g, EndpointRecord r) {
        if (!g.getIp().equals(ByteString.copyFrom(r.ip().getAddress()))) {
            return Optional.of("IP " + r.ip().getHostAddress() + " is not the granted one");
        }
        if (!g.getMac().equalsIgnoreCase(r.mac())) {
            return Optional.of("MAC " + r.mac() + " is not the granted one");
        }
        // A lease grant (issue 12) names no endpoint names: its owner attached while no manager answered and
        // chose them; the address, MAC, endpoint id and allocation are still the manager's.
        if (!g.getLease() && (!g.getName().equals(r.name()) || !g.getAliasesList().equals(r.aliases()))) {
            return Optional.of("names are not the granted ones");
        }
        if (g.getAllocationIndex() != r.allocation()) {
            return Optional.of("allocation " + r.allocation() + " is not the granted " + g.getAllocationIndex());
        }
        return Optional.empty();
    }

    /** The grant if the CA signed it (cached by its signature), else null. */
    private EndpointGrant grant(SignedGrant sg) {
        // Length-prefixed: bytes moved from the grant's end into the signature's make another key, never a hit.
        ByteString key = ByteString.copyFrom(java.nio.ByteBuffer.allocate(4).putInt(sg.getCaSignature().size()).array())
                .concat(sg.getCaSignature()).concat(sg.getGrant());
        EndpointGrant known = grants.get(key);
        if (known != null) {
            cacheHits.incrementAndGet();
            return known;
        }
        caVerifications.incrementAndGet();
        if (!Grants.verifyGrant(ca, sg.getGrant().toByteArray(), sg.getCaSignature().toByteArray())) {
            return null;
        }
        try {
            EndpointGrant g = EndpointGrant.parseFrom(sg.getGrant());
            grants.put(key, g);
            return g;
        } catch (InvalidProtocolBufferException ex) {
            return null;
        }
    }

    private boolean signedByOwner(String networkId, TableEvent e, EndpointGrant g) {
        byte[] signed = EntrySigning.signedBytes(networkId, e);
        // The cache key binds the signature to the exact bytes it covered (a digest of them).
        ByteString key = e.seal().signature().concat(ByteString.copyFrom(sha256(signed)));
        if (entries.get(key) != null) {
            cacheHits.incrementAndGet();
            return true;
        }
        PublicKey owner = ownerKeys.get(g.getOwnerKey());
        if (owner == null) {
            try {
                owner = Grants.publicKey(g.getOwnerKey().toByteArray());
            } catch (IllegalArgumentException ex) {
                return false;
            }
            ownerKeys.put(g.getOwnerKey(), owner);
        }
        ownerVerifications.incrementAndGet();
        if (!Grants.verifyEntry(owner, signed, e.seal().signature().toByteArray())) {
            return false;
        }
        entries.put(key, Boolean.TRUE);
        return true;
    }

    /** The grant's IP as an address (for tests and the agent). */
    public static InetAddress ip(EndpointGrant g) {
        try {
            return InetAddress.getByAddress(g.getIp().toByteArray());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad grant IP", e);
        }
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
