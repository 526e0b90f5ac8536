package io.jswarm.agent;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.CertificateRequest;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.manager.tls.Tls;
import io.jswarm.proto.cluster.DispatcherGrpc;
import io.jswarm.proto.cluster.ManagerCredentialsRequest;
import io.jswarm.proto.cluster.ManagerCredentialsResponse;
import io.jswarm.proto.cluster.RenewRequest;
import io.jswarm.vxlan.HostPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 12: the remote half of {@code node promote} / {@code node demote} on the node that changes role.
 * Promoted (a worker whose view lists it as a manager): a manager certificate and the bundle from any manager
 * ({@code ManagerCredentials}: the state, not the certificate, says who may). Demoted (a manager taken out of
 * the Raft configuration, then recorded as a worker): a certificate renewed at another manager comes back with
 * the role the state gives, which is how the demoted node learns it for sure — it is no longer in the group
 * that commits the role change, so its own view may never show it.
 */
final class RoleSwitch {
    private static final Logger LOG = LoggerFactory.getLogger(RoleSwitch.class);

    /** A new key and what a manager gave for it. */
    record Credentials(NodeIdentity identity, ManagerCredentialsResponse response) {
    }

    private RoleSwitch() {
    }

    /** Asks the managers in turn for this promoted node's manager credentials; empty if none gave them. */
    static Optional<Credentials> managerCredentials(List<String> managers, IdentityKeyManager keys, HostPort listen,
                                                    Duration deadline) {
        KeyPair key = CertificateAuthority.newKeyPair();
        var req = ManagerCredentialsRequest.newBuilder().setCsrDer(ByteString.copyFrom(CertificateRequest.create(key).der()))
                .setManagerPort(listen.port()).setRaftPort(ManagerJoin.raftPort(listen)).build();
        return ask(managers, keys, deadline, s -> s.managerCredentials(req)).flatMap(r -> {
            NodeIdentity id = identity(key, r.getCertificateDer(), keys.identity());
            if (id == null || id.role() != Role.MANAGER) {
                return Optional.empty();
            }
            return Optional.of(new Credentials(id, r));
        });
    }

    /**
     * A certificate for a new key from one of {@code managers} (never this node itself), with the role the
     * state gives this node: a worker certificate means the demotion is committed.
     */
    static Optional<NodeIdentity> renewed(List<String> managers, IdentityKeyManager keys, Duration deadline) {
        KeyPair key = CertificateAuthority.newKeyPair();
        var req = RenewRequest.newBuilder().setCsrDer(ByteString.copyFrom(CertificateRequest.create(key).der())).build();
        return ask(managers, keys, deadline, s -> s.renewCertificate(req))
                .map(r -> identity(key, r.getCertificateDer(), keys.identity()));
    }

    /** The first answer of {@code managers} in order; failures logged, not thrown (the caller retries later). */
    private static <T> Optional<T> ask(List<String> managers, IdentityKeyManager keys, Duration deadline,
                                       Function<DispatcherGrpc.DispatcherBlockingStub, T> rpc) {
        for (String addr : managers) {
            HostPort hp = HostPort.parse(addr, 2377);
            ManagedChannel ch = null;
            try {
                ch = NettyChannelBuilder.forAddress(hp.host(), hp.port())
                        .sslContext(Tls.client(keys, keys.identity().root())).overrideAuthority(Tls.MANAGER_AUTHORITY).build();
                return Optional.of(rpc.apply(DispatcherGrpc.newBlockingStub(ch)
                        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)));
            } catch (StatusRuntimeException | javax.net.ssl.SSLException e) {
                LOG.info("role change: manager did not answer manager={} error={}", addr, e.toString());
            } finally {
                if (ch != null) {
                    ch.shutdownNow();
                }
            }
        }
        return Optional.empty();
    }

    /** The identity for {@code key} and the certificate a manager signed, if it chains to our root and is ours. */
    private static NodeIdentity identity(KeyPair key, ByteString der, NodeIdentity current) {
        try {
            NodeIdentity next = new NodeIdentity(key.getPrivate(), Joiner.parse(der.toByteArray()), current.root());
            return next.nodeId().equals(current.nodeId()) && next.clusterId().equals(current.clusterId()) ? next : null;
        } catch (IllegalArgumentException | StatusRuntimeException e) {
            LOG.warn("role change: unusable certificate from the manager error={}", e.toString());
            return null;
        }
    }

    /**
     * What only a manager holds: the CA key and certificate, the seal key, the replicated log. Removed from a
     * demoted node once its state says worker (also at a start that finds them beside a worker's state).
     */
    static void eraseManagerFiles(SwarmDir swarm) throws IOException {
        for (String sub : List.of("ca", "raft")) {
            Path p = swarm.path().resolve(sub);
            if (Files.exists(p)) {
                SwarmDir.deleteTree(p);
            }
        }
    }
}
