package io.jswarm.e2e.cluster;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.manager.tls.Tls;
import io.jswarm.proto.cluster.AttachEndpointRequest;
import io.jswarm.proto.cluster.DispatcherGrpc;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * An attacker with a joined worker's key and certificate: calls AttachEndpoint in a loop, with no sandbox
 * behind any of it, until the manager refuses or {@code MAX} calls succeeded (issue 9, finding 8). Run inside
 * a host namespace; prints {@code taken=N millis=T last=<CODE>: <description>}.
 * Arguments: {@code ADDR CERTDIR NETWORK NAME_PREFIX MAX}.
 */
public final class QuotaProbe {
    public static void main(String[] args) throws Exception {
        String[] hp = args[0].split(":");
        NodeIdentity id = NodeIdentity.load(Path.of(args[1]));
        ManagedChannel ch = NettyChannelBuilder.forAddress(hp[0], Integer.parseInt(hp[1]))
                .sslContext(Tls.client(new IdentityKeyManager(id), id.root())).overrideAuthority(Tls.MANAGER_AUTHORITY).build();
        int max = Integer.parseInt(args[4]);
        int taken = 0;
        String last = "none";
        long start = System.nanoTime();
        try {
            var stub = DispatcherGrpc.newBlockingStub(ch);
            for (int i = 0; i < max; i++) {
                try {
                    stub.withDeadlineAfter(10, TimeUnit.SECONDS).attachEndpoint(AttachEndpointRequest.newBuilder()
                            .setNetwork(args[2]).setName(args[3] + i).build());
                    taken++;
                } catch (StatusRuntimeException e) {
                    last = e.getStatus().getCode() + ": " + e.getStatus().getDescription();
                    break;
                }
            }
        } finally {
            ch.shutdownNow();
        }
        System.out.println("taken=" + taken + " millis=" + (System.nanoTime() - start) / 1_000_000 + " last=" + last);
        System.exit(0);
    }
}
