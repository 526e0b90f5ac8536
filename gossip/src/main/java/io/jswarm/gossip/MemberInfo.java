package io.jswarm.gossip;

import io.jswarm.encryption.Role;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * What the cluster knows about one member from gossip: small on purpose (bulk state travels over gRPC,
 * keyed by {@code version}).
 *
 * @param nodeId        the node id (the CN of its certificate, which the transport verified)
 * @param role          worker or manager, as the member claims in its metadata
 * @param dataAddress   the VXLAN underlay address peers send encapsulated traffic to
 * @param gossipAddress the address its membership transport listens on (its advertise address)
 * @param version       monotonic per node, chosen by its daemon; 0 at first start
 */
public record MemberInfo(String nodeId, Role role, InetAddress dataAddress, InetSocketAddress gossipAddress,
                         long version) {
    public MemberInfo {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(dataAddress, "dataAddress");
        Objects.requireNonNull(gossipAddress, "gossipAddress");
        if (nodeId.isBlank()) {
            throw new IllegalArgumentException("blank node id");
        }
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, got " + version);
        }
    }
}
