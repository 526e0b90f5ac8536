package io.jswarm.e2e.bench;

import com.google.protobuf.ByteString;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.gossip.grant.GrantAuthority;
import io.jswarm.gossip.grant.GrantSealer;
import io.jswarm.gossip.replication.TableTrust;
import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.proto.table.EndpointGrant;
import io.jswarm.proto.table.SignedGrant;
import java.security.KeyPair;

/**
 * The manager's part in the {@code scale} bench: grants signed by the bench's CA, as an attach would get them,
 * and each simulated node's trust (its own entry key and its own {@link GrantAuthority}, so no verification
 * cache is shared between nodes: each pays for its own checks, as separate daemons do).
 * {@code JSWARM_BENCH_SCALE_TRUST=none} runs without grants or signatures (for before/after comparisons);
 * {@code =shared} signs and checks everything but gives all simulated nodes one {@link GrantAuthority}, so each
 * signature is verified once per run instead of once per node: N daemons verify in parallel on N machines, the
 * in-JVM nodes on the same 2 cores, and this mode shows the convergence apart from that per-node cryptography
 * (which every daemon pays on its own CPU: about one CA verification per entry it learns).
 */
final class ScaleGrants {
    private static final String MODE = System.getenv().getOrDefault("JSWARM_BENCH_SCALE_TRUST", "signed");
    static final boolean SIGNED = !"none".equals(MODE);
    static final boolean SHARED = "shared".equals(MODE);
    /** The one authority of {@code shared} runs, per CA (one CA per run). */
    private static final java.util.Map<CertificateAuthority, GrantAuthority> SHARED_AUTHORITY =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final CertificateAuthority ca;
    private final boolean signed;
    private long index;

    ScaleGrants(CertificateAuthority ca) {
        this(ca, SIGNED);
    }

    private ScaleGrants(CertificateAuthority ca, boolean signed) {
        this.ca = ca;
        this.signed = signed;
    }

    static TableTrust trust(CertificateAuthority ca, KeyPair entryKey) {
        if (!SIGNED) {
            return TableTrust.NONE;
        }
        GrantAuthority authority = SHARED
                ? SHARED_AUTHORITY.computeIfAbsent(ca, c -> new GrantAuthority(c.certificate().getPublicKey()))
                : new GrantAuthority(ca.certificate().getPublicKey());
        return new TableTrust(new GrantSealer(entryKey.getPrivate()), authority);
    }

    /** The record under a new allocation index, and its grant (none when unsigned). */
    Granted grant(String networkId, String endpointId, EndpointRecord r, KeyPair ownerKey) {
        if (!signed) {
            return new Granted(r, SignedGrant.getDefaultInstance());
        }
        EndpointRecord indexed = r.withAllocation(++index);
        ByteString bytes = EndpointGrant.newBuilder().setNetworkId(networkId).setEndpointId(endpointId)
                .setIp(ByteString.copyFrom(r.ip().getAddress())).setMac(r.mac()).setOwnerNode(r.ownerNode())
                .setName(r.name()).addAllAliases(r.aliases()).setAllocationIndex(index)
                .setOwnerKey(ByteString.copyFrom(ownerKey.getPublic().getEncoded())).build().toByteString();
        return new Granted(indexed, SignedGrant.newBuilder().setGrant(bytes)
                .setCaSignature(ByteString.copyFrom(ca.signGrant(bytes.toByteArray()))).build());
    }

    record Granted(EndpointRecord record, SignedGrant grant) {
    }

    /** The nodes' signature work so far, summed: CA verifications, owner verifications, cache hits. */
    static long[] verifications(java.util.List<ScaleAgent> agents) {
        long[] out = new long[3];
        var counted = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<GrantAuthority, Boolean>());
        for (ScaleAgent a : agents) {
            if (a.trust.check() instanceof GrantAuthority g && counted.add(g)) { // shared: counted once
                GrantAuthority.Stats s = g.stats();
                out[0] += s.caVerifications();
                out[1] += s.ownerVerifications();
                out[2] += s.cacheHits();
            }
        }
        return out;
    }

    /**
     * What a phase cost in signature checks, since {@code before}: totals, and verifications per node and per
     * entry that node had to learn ({@code learned}: the remote entries written in the phase, per node). One
     * CA verification per learned entry is the floor; an owner verification is added where a relayed copy
     * arrived before the owner's direct event.
     */
    static java.util.Map<String, Object> verificationsSince(java.util.List<ScaleAgent> agents, long[] before,
                                                            double learned) {
        long[] now = verifications(agents);
        var out = new java.util.LinkedHashMap<String, Object>();
        out.put("ca_verifications", now[0] - before[0]);
        out.put("owner_verifications", now[1] - before[1]);
        out.put("verify_cache_hits", now[2] - before[2]);
        double per = agents.size() * learned;
        out.put("verifications_per_learned_entry", per == 0 ? 0
                : Math.round((now[0] - before[0] + now[1] - before[1]) / per * 1000) / 1000.0);
        return out;
    }

    /**
     * The cost per entry, in microseconds, of what replication adds: the owner's signature, a receiver's first
     * check (CA signature of the grant + owner signature + the view checks) and a repeated check (cached, as for
     * a relayed copy or an anti-entropy resend). Averages over {@code n} entries after {@code n} of warm-up.
     */
    static java.util.Map<String, Object> cost(CertificateAuthority ca, int n) {
        KeyPair owner = CertificateAuthority.newKeyPair();
        var grants = new ScaleGrants(ca, true);
        var sealer = new GrantSealer(owner.getPrivate());
        java.net.InetAddress vtep = java.net.InetAddress.ofLiteral("203.0.113.1");
        var dir = io.jswarm.gossip.replication.EntryCheck.Directory.of(net -> java.util.Set.of("owner"),
                node -> java.util.Optional.of(vtep));
        var out = new java.util.LinkedHashMap<String, Object>();
        for (int round = 0; round < 2; round++) { // the first round warms up
            var events = new java.util.ArrayList<io.jswarm.gossip.table.TableEvent>();
            for (int k = 0; k < n; k++) {
                java.net.InetAddress ip = java.net.InetAddress.ofLiteral("10.129." + (k >> 8) + "." + (k & 0xff));
                var r = new EndpointRecord("task-" + k, java.util.List.of(), ip, io.jswarm.vxlan.MacAddress
                        .forIpv4((java.net.Inet4Address) ip).toString(), vtep, "owner");
                Granted g = grants.grant("net", "ep-" + k, r, owner);
                events.add(new io.jswarm.gossip.table.TableEvent.Upserted("ep-" + k,
                        new io.jswarm.gossip.table.Version(k + 1, "owner"), g.record(),
                        new io.jswarm.gossip.table.Seal(g.grant(), ByteString.EMPTY)));
            }
            long t0 = System.nanoTime();
            var sealed = new java.util.ArrayList<io.jswarm.gossip.table.TableEvent>();
            events.forEach(e -> sealed.add(sealer.seal("net", e)));
            long t1 = System.nanoTime();
            var authority = new GrantAuthority(ca.certificate().getPublicKey());
            long refused = sealed.stream().filter(e -> authority.refusal("net", e, "relay", dir).isPresent()).count();
            long t2 = System.nanoTime();
            sealed.forEach(e -> authority.refusal("net", e, "relay", dir));
            long t3 = System.nanoTime();
            var direct = new GrantAuthority(ca.certificate().getPublicKey());
            sealed.forEach(e -> direct.refusal("net", e, "owner", dir)); // straight from the owner: grant only
            long t4 = System.nanoTime();
            out.put("entry_verify_direct_us", (t4 - t3) / 1000.0 / n);
            out.put("entry_sign_us", (t1 - t0) / 1000.0 / n);
            out.put("entry_verify_us", (t2 - t1) / 1000.0 / n);
            out.put("entry_verify_cached_us", (t3 - t2) / 1000.0 / n);
            out.put("entry_cost_refused", refused);
        }
        return out;
    }
}
