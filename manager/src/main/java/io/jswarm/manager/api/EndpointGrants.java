package io.jswarm.manager.api;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Grants;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.Network;
import io.jswarm.proto.table.EndpointGrant;
import io.jswarm.proto.table.SignedGrant;
import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * The manager's word on an endpoint, given at attach: network, endpoint id, IP, MAC, owner, names and the
 * log index of the attach (the allocation index: a later allocation of the same IP has a higher one), plus the
 * owner's entry key, signed with the cluster CA key. Every node checks table entries against it, so a member
 * can speak only for the endpoints the manager gave it.
 */
final class EndpointGrants {
    private EndpointGrants() {
    }

    /** Refuses a key that is not an EC public key before anything is changed. */
    static void checkOwnerKey(ByteString key) {
        if (key.isEmpty()) {
            return; // an agent without an entry key: attached, but its entries will not be believed
        }
        try {
            Grants.publicKey(key.toByteArray());
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT.withDescription("owner_key is not an EC public key").asRuntimeException();
        }
    }

    static SignedGrant issue(CertificateAuthority ca, Network n, Endpoint e, long index, ByteString ownerKey) {
        InetAddress ip = IpPrefix.parseAddress(e.getAddress());
        EndpointGrant g = EndpointGrant.newBuilder()
                .setNetworkId(n.getNetworkId()).setEndpointId(e.getEndpointId())
                .setIp(ByteString.copyFrom(ip.getAddress()))
                .setMac(ip instanceof Inet4Address v4 ? MacAddress.forIpv4(v4).toString() : "")
                .setOwnerNode(e.getNodeId()).setName(e.getName()).addAllAliases(e.getAliasesList())
                .setAllocationIndex(index).setOwnerKey(ownerKey).build();
        ByteString bytes = g.toByteString(); // signed and sent as these exact bytes
        return SignedGrant.newBuilder().setGrant(bytes)
                .setCaSignature(ByteString.copyFrom(ca.signGrant(bytes.toByteArray()))).build();
    }

    /**
     * Issue 12: the grant of a leased address: the owner holds the address and its endpoint id, whatever names
     * it attaches it under while no manager answers (so no names in it, and {@code lease} set); its allocation
     * index is the grant's log index, below that of the claim's ordinary grant that supersedes it.
     */
    static SignedGrant issueLease(CertificateAuthority ca, Network n, io.jswarm.proto.state.LeasedAddress l,
                                  ByteString ownerKey) {
        InetAddress ip = IpPrefix.parseAddress(l.getAddress());
        EndpointGrant g = EndpointGrant.newBuilder()
                .setNetworkId(n.getNetworkId()).setEndpointId(l.getEndpointId())
                .setIp(ByteString.copyFrom(ip.getAddress()))
                .setMac(ip instanceof Inet4Address v4 ? MacAddress.forIpv4(v4).toString() : "")
                .setOwnerNode(l.getNodeId()).setAllocationIndex(l.getGrantedIndex()).setOwnerKey(ownerKey)
                .setLease(true).build();
        ByteString bytes = g.toByteString();
        return SignedGrant.newBuilder().setGrant(bytes)
                .setCaSignature(ByteString.copyFrom(ca.signGrant(bytes.toByteArray()))).build();
    }
}
