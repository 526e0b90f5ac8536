package io.jswarm.manager.api;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.encryption.CertificateRequest;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.JoinToken;
import io.jswarm.manager.state.Applied;
import io.jswarm.proto.cluster.JoinRequest;
import io.jswarm.proto.cluster.JoinResponse;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.InitCluster;
import io.jswarm.proto.state.Role;
import io.jswarm.proto.state.RotateJoinToken;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How nodes get in and stay in: join tokens (current, rotated), {@code Join} (token + CSR in, signed
 * certificate and {@code AddNode} out) and certificate renewal for members. Kept out of
 * {@link ManagerNode}, as {@link Networks} is, so each stays readable.
 */
final class Joins {
    private static final Logger LOG = LoggerFactory.getLogger(Joins.class);
    /** Docker's wording for a bad token; deliberately the same whatever was wrong with it. */
    static final String INVALID_TOKEN = "A valid join token is necessary to join this cluster";

    private static final io.jswarm.encryption.ports.SampledLog REFUSED = new io.jswarm.encryption.ports.SampledLog(
            LOG::warn, "join refused: invalid token", Duration.ofSeconds(10), System::nanoTime);

    private final ManagerNode manager;

    Joins(ManagerNode manager) {
        this.manager = manager;
    }

    /** The current join token for {@code role}. */
    JoinToken token(io.jswarm.encryption.Role role) {
        InitCluster c = manager.table().cluster();
        return new JoinToken(manager.ca().digest(), manager.secrets().secret(c, NodeTable.toProto(role)));
    }

    /** Replaces the token for {@code role}; the old one stops working at once. */
    JoinToken rotate(io.jswarm.encryption.Role role) {
        JoinToken fresh = JoinToken.generate(manager.ca().certificate());
        Role r = NodeTable.toProto(role);
        byte[] sealed = manager.secrets().seal(manager.table().cluster().getClusterId(), r, fresh.secret());
        manager.submit(Command.newBuilder().setRotateJoinToken(RotateJoinToken.newBuilder().setRole(r)
                .setNewSecretSealed(com.google.protobuf.ByteString.copyFrom(sealed))).build(), Applied.JoinTokenRotated.class);
        LOG.info("join token rotated role={}", role.label());
        return fresh;
    }

    /** {@code Join}: {@code remote} is where the request came from (the address of a node that gives none). */
    JoinResponse join(JoinRequest req, SocketAddress remote) {
        InitCluster cluster = manager.table().cluster();
        JoinToken token;
        try {
            token = JoinToken.parse(req.getToken());
        } catch (IllegalArgumentException e) {
            throw invalidToken("malformed", remote);
        }
        if (!token.pins(manager.ca().certificate())) {
            throw invalidToken("other cluster", remote); // a token of another swarm
        }
        Role role;
        if (token.sameSecret(new JoinToken(token.caDigest(), manager.secrets().secret(cluster, Role.ROLE_WORKER)))) {
            role = Role.ROLE_WORKER;
        } else if (token.sameSecret(new JoinToken(token.caDigest(), manager.secrets().secret(cluster, Role.ROLE_MANAGER)))) {
            role = Role.ROLE_MANAGER;
        } else {
            throw invalidToken("wrong secret", remote);
        }
        boolean asManager = role == Role.ROLE_MANAGER;
        if (asManager) {
            ManagerBundles.checkPorts(req.getManagerPort(), req.getRaftPort());
        }
        CertificateRequest csr = new CertificateRequest(req.getCsrDer().toByteArray());
        try {
            csr.verifiedPublicKey();
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
        String addr = !req.getAdvertiseAddr().isEmpty() ? req.getAdvertiseAddr()
                : remote instanceof InetSocketAddress isa ? isa.getAddress().getHostAddress() : "";
        if (addr.isEmpty()) {
            throw Status.INVALID_ARGUMENT.withDescription("cannot determine the node's address; pass --advertise-addr")
                    .asRuntimeException();
        }
        String nodeId = Identifiers.newId();
        // A manager's bundle first: a store that cannot take another manager refuses before anything is signed.
        var bundle = asManager ? ManagerBundles.bundle(manager, nodeId) : null;
        X509Certificate cert = manager.ca().sign(csr, nodeId, NodeTable.fromProto(role), certValidity());
        AddNode.Builder add = AddNode.newBuilder().setNodeId(nodeId)
                .setHostname(req.getHostname()).setRole(role).setAdvertiseAddr(addr)
                .setDataPathAddr(req.getDataPathAddr().isEmpty() ? addr : req.getDataPathAddr())
                .setEngineVersion(req.getEngineVersion()).setJoinedAtMillis(manager.clock().millis());
        if (asManager) {
            // In the state before the new manager starts its Raft server: the peers' TLS admits only managers
            // the state (or the configuration) knows.
            add.setManagerAddr(ManagerBundles.hostPort(addr, req.getManagerPort()))
                    .setRaftAddr(ManagerBundles.hostPort(addr, req.getRaftPort()));
        }
        manager.submit(Command.newBuilder().setAddNode(add).build(), Applied.NodeAdded.class);
        LOG.info("node joined node={} role={} addr={} hostname={}", nodeId, role, addr,
                io.jswarm.manager.state.SafeText.quote(req.getHostname())); // the joiner's text: escaped, cut
        manager.viewChangedSoon();
        JoinResponse.Builder resp = JoinResponse.newBuilder().setNodeId(nodeId).setClusterId(cluster.getClusterId())
                .setCertificateDer(ManagerNode.der(cert)).setCaCertificateDer(ManagerNode.der(manager.ca().certificate()))
                .addAllManagerAddrs(manager.view().getManagerAddrsList()).setRole(role);
        if (bundle != null) {
            resp.setManagerBundle(bundle.toBuilder().setAdvertiseAddr(addr).setManagerAddr(add.getManagerAddr())
                    .setRaftAddr(add.getRaftAddr())); // never logged: it holds the CA key
        }
        return resp.build();
    }

    /** Signs a certificate for an existing member's own key (renewal). */
    X509Certificate renew(String nodeId, byte[] csr) {
        AddNode node = manager.table().node(nodeId).orElseThrow(() -> Status.PERMISSION_DENIED
                .withDescription("node " + nodeId + " is not a member of this swarm").asRuntimeException());
        return manager.ca().sign(new CertificateRequest(csr), nodeId, NodeTable.fromProto(node.getRole()), certValidity());
    }

    Duration certValidity() {
        return Duration.ofSeconds(manager.table().cluster().getNodeCertValiditySeconds());
    }

    private static StatusRuntimeException invalidToken(String why, SocketAddress remote) {
        // The reason is logged for the operator (sampled: a guessing flood is one line per window); the caller
        // learns nothing about which part was wrong.
        REFUSED.record(why.replace(' ', '-'), remote instanceof InetSocketAddress isa ? isa.getAddress().getHostAddress() : remote);
        return Status.INVALID_ARGUMENT.withDescription(INVALID_TOKEN).asRuntimeException();
    }
}
