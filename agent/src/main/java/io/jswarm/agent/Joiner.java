package io.jswarm.agent;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.CertificateRequest;
import io.jswarm.encryption.JoinToken;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.tls.PinningTrustManager;
import io.jswarm.vxlan.HostPort;
import io.jswarm.manager.tls.Tls;
import io.jswarm.proto.cluster.DispatcherGrpc;
import io.jswarm.proto.cluster.JoinRequest;
import io.jswarm.proto.cluster.JoinResponse;
import java.io.ByteArrayInputStream;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The join, from the joining node's side: connect over TLS pinning the manager's root CA by the token's
 * digest (so the secret is only ever sent to the real cluster), send the token and a CSR for a key that
 * never leaves this node, and check that the certificate that comes back chains to the pinned root.
 */
public final class Joiner {
    /** What the join produced: the node's identity and the manager's answer. */
    public record Joined(NodeIdentity identity, JoinResponse response) {
    }

    private Joiner() {
    }

    public static Joined join(HostPort manager, JoinToken token, JoinRequest.Builder request, Duration timeout) {
        KeyPair key = CertificateAuthority.newKeyPair();
        PinningTrustManager trust = new PinningTrustManager(token);
        ManagedChannel channel;
        try {
            channel = NettyChannelBuilder.forAddress(manager.host(), manager.port())
                    .sslContext(Tls.joining(trust)).overrideAuthority(Tls.MANAGER_AUTHORITY).build();
        } catch (SSLException e) {
            throw Status.INTERNAL.withDescription("TLS setup failed: " + e.getMessage()).asRuntimeException();
        }
        try {
            JoinResponse resp = DispatcherGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .join(request.setToken(token.value())
                            .setCsrDer(ByteString.copyFrom(CertificateRequest.create(key).der())).build());
            X509Certificate root = trust.pinned().orElseThrow(() ->
                    Status.INTERNAL.withDescription("the manager's CA was not pinned").asRuntimeException());
            X509Certificate sentRoot = parse(resp.getCaCertificateDer().toByteArray());
            if (!sentRoot.equals(root)) {
                throw Status.PERMISSION_DENIED.withDescription("the manager sent a CA certificate other than the one it "
                        + "presented during the handshake").asRuntimeException();
            }
            try {
                return new Joined(new NodeIdentity(key.getPrivate(), parse(resp.getCertificateDer().toByteArray()), root), resp);
            } catch (IllegalArgumentException e) {
                throw Status.PERMISSION_DENIED.withDescription("the manager issued an unusable certificate: "
                        + e.getMessage()).asRuntimeException();
            }
        } catch (StatusRuntimeException e) {
            // A refused pin surfaces as an UNAVAILABLE handshake failure; say what really happened.
            if (trust.failure().isPresent()) {
                throw Status.PERMISSION_DENIED.withDescription("error while validating Root CA Certificate: "
                        + trust.failure().get()).asRuntimeException();
            }
            // A manager that answered "no leader" (issue 12: no quorum) was reached: its words, not "could not connect".
            if ((e.getStatus().getCode() == Status.Code.UNAVAILABLE || e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED)
                    && !io.jswarm.agent.net.RemoteClusterApi.isNoLeader(e.getStatus())) {
                throw Status.UNAVAILABLE.withDescription("could not connect to the manager at " + manager + ": "
                        + e.getStatus().getDescription()).asRuntimeException();
            }
            throw e;
        } finally {
            channel.shutdownNow();
        }
    }

    static X509Certificate parse(byte[] der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw Status.PERMISSION_DENIED.withDescription("the manager sent an unreadable certificate").asRuntimeException();
        }
    }
}
