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
 * {@code JSWARM_BENCH_SCALE_TRUST=none} runs without grants or signatures (for before/after comparisons).
 */
final class ScaleGrants {
    static final boolean SIGNED = !"none".equals(System.getenv("JSWARM_BENCH_SCALE_TRUST"));

    private final CertificateAuthority ca;
    private long index;

    ScaleGrants(CertificateAuthority ca) {
        this.ca = ca;
    }

    static TableTrust trust(CertificateAuthority ca, KeyPair entryKey) {
        return SIGNED ? new TableTrust(new GrantSealer(entryKey.getPrivate()),
                new GrantAuthority(ca.certificate().getPublicKey())) : TableTrust.NONE;
    }

    /** The record under a new allocation index, and its grant (none when unsigned). */
    Granted grant(String networkId, String endpointId, EndpointRecord r, KeyPair ownerKey) {
        if (!SIGNED) {
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
}
