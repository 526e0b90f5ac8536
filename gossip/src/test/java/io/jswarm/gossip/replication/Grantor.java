package io.jswarm.gossip.replication;

import com.google.protobuf.ByteString;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.gossip.grant.GrantAuthority;
import io.jswarm.gossip.grant.GrantSealer;
import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.proto.table.EndpointGrant;
import io.jswarm.proto.table.SignedGrant;
import java.security.KeyPair;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;

/** What the manager and the nodes hold in tests: a cluster CA, one entry key per node, grants on demand. */
final class Grantor {
    final CertificateAuthority ca = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1),
            InstantSource.system());
    private final Map<String, KeyPair> keys = new HashMap<>();

    KeyPair key(String node) {
        return keys.computeIfAbsent(node, n -> CertificateAuthority.newKeyPair());
    }

    /** The trust of a daemon: signs with the node's key, checks against this CA. */
    TableTrust trust(String node) {
        return new TableTrust(new GrantSealer(key(node).getPrivate()),
                new GrantAuthority(ca.certificate().getPublicKey()));
    }

    /** The grant the manager would issue for {@code r} at allocation {@code index}. */
    SignedGrant grant(String networkId, String endpointId, EndpointRecord r, long index) {
        return sign(ca, unsigned(networkId, endpointId, r, index).build());
    }

    static SignedGrant sign(CertificateAuthority ca, EndpointGrant g) {
        ByteString bytes = g.toByteString();
        return SignedGrant.newBuilder().setGrant(bytes)
                .setCaSignature(ByteString.copyFrom(ca.signGrant(bytes.toByteArray()))).build();
    }

    EndpointGrant.Builder unsigned(String networkId, String endpointId, EndpointRecord r, long index) {
        return EndpointGrant.newBuilder().setNetworkId(networkId).setEndpointId(endpointId)
                .setIp(ByteString.copyFrom(r.ip().getAddress())).setMac(r.mac()).setOwnerNode(r.ownerNode())
                .setName(r.name()).addAllAliases(r.aliases()).setAllocationIndex(index)
                .setOwnerKey(ByteString.copyFrom(key(r.ownerNode()).getPublic().getEncoded()));
    }
}
