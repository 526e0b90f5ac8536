package io.jswarm.e2e.cluster;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.manager.tls.Tls;
import io.jswarm.proto.cluster.DispatcherGrpc;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.RenewRequest;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509TrustManager;

/**
 * Calls the manager API directly from inside a host namespace, the way an attacker or a misbehaving node
 * would, and prints "OK ..." or "<CODE>: <description>". Modes:
 * {@code listnodes ADDR CERTDIR} (manager-only call with a node's certificate),
 * {@code renew ADDR CERTDIR} (a member call with a node's certificate),
 * {@code nocert ADDR CA_CERTDIR} (a member call with no client certificate).
 */
public final class Probe {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String[] hp = args[1].split(":");
        NodeIdentity id = NodeIdentity.load(Path.of(args[2]));
        var ssl = mode.equals("nocert") ? Tls.clientTrusting(trusting(id.root())) : Tls.client(new IdentityKeyManager(id), id.root());
        ManagedChannel ch = NettyChannelBuilder.forAddress(hp[0], Integer.parseInt(hp[1])).sslContext(ssl)
                .overrideAuthority(Tls.MANAGER_AUTHORITY).build();
        try {
            var stub = DispatcherGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
            switch (mode) {
                case "listnodes" -> System.out.println("OK nodes=" + stub.listNodes(ListNodesRequest.getDefaultInstance()).getNodesCount());
                case "renew", "nocert" -> {
                    var key = io.jswarm.encryption.CertificateAuthority.newKeyPair();
                    stub.renewCertificate(RenewRequest.newBuilder().setCsrDer(com.google.protobuf.ByteString.copyFrom(
                            io.jswarm.encryption.CertificateRequest.create(key).der())).build());
                    System.out.println("OK renewed");
                }
                default -> throw new IllegalArgumentException(mode);
            }
        } catch (StatusRuntimeException e) {
            System.out.println(e.getStatus().getCode() + ": " + e.getStatus().getDescription());
        } finally {
            ch.shutdownNow();
        }
        System.exit(0);
    }

    /** Trusts exactly the cluster root: the server is genuine, only the client certificate is missing. */
    private static X509TrustManager trusting(X509Certificate root) throws Exception {
        var ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("root", root);
        var tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        return (X509TrustManager) tmf.getTrustManagers()[0];
    }
}
