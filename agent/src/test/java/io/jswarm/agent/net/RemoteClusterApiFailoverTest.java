package io.jswarm.agent.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.Role;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.manager.tls.Tls;
import io.jswarm.proto.cluster.DispatcherGrpc;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.ListNetworksResponse;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: a worker's calls go to any manager. Real mutual-TLS gRPC servers on loopback stand in for
 * managers: one gone (refused), one without a quorum (Docker's no-leader answer), one that answers.
 */
class RemoteClusterApiFailoverTest {
    static final String NO_LEADER = "The swarm does not have a leader. It's possible that too few managers are online. "
            + "Make sure more than half of the managers are online.";

    final CertificateAuthority ca = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
    final List<Server> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(Server::shutdownNow);
    }

    /** A manager stand-in answering ListNetworks with {@code answer} (null: OK, one network name per call count). */
    String manager(Status answer, AtomicInteger calls) throws Exception {
        IdentityKeyManager keys = new IdentityKeyManager(ca.issue(Identifiers.newId(), Role.MANAGER, Duration.ofHours(1)));
        Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).sslContext(Tls.server(keys, ca.certificate()))
                .addService(new DispatcherGrpc.DispatcherImplBase() {
                    @Override
                    public void listNetworks(ListNetworksRequest req, StreamObserver<ListNetworksResponse> out) {
                        calls.incrementAndGet();
                        if (answer != null) {
                            out.onError(answer.asRuntimeException());
                            return;
                        }
                        out.onNext(ListNetworksResponse.getDefaultInstance());
                        out.onCompleted();
                    }
                }).build().start();
        servers.add(s);
        return "127.0.0.1:" + s.getPort();
    }

    static String gone() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return "127.0.0.1:" + s.getLocalPort(); // closed again: connections are refused
        }
    }

    RemoteClusterApi client(List<String> managers) {
        return new RemoteClusterApi(() -> managers,
                new IdentityKeyManager(ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofHours(1))), Duration.ofSeconds(5));
    }

    @Test
    void aCallMovesOnFromAGoneManagerAndOneWithoutQuorumToOneThatAnswers() throws Exception {
        AtomicInteger noQuorumCalls = new AtomicInteger();
        AtomicInteger goodCalls = new AtomicInteger();
        String noQuorum = manager(Status.UNAVAILABLE.withDescription(NO_LEADER), noQuorumCalls);
        String good = manager(null, goodCalls);
        try (RemoteClusterApi api = client(List.of(gone(), noQuorum, good))) {
            api.listNetworks(ListNetworksRequest.getDefaultInstance());
            assertEquals(1, noQuorumCalls.get());
            assertEquals(1, goodCalls.get());
            api.listNetworks(ListNetworksRequest.getDefaultInstance());
            assertEquals(2, goodCalls.get(), "and stays with the one that answered");
        }
    }

    @Test
    void whenNoManagerHasAQuorumTheUserHearsThatNotUnreachable() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        List<String> managers = List.of(manager(Status.UNAVAILABLE.withDescription(NO_LEADER), calls), gone(),
                manager(Status.UNAVAILABLE.withDescription(NO_LEADER), calls));
        try (RemoteClusterApi api = client(managers)) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> api.listNetworks(ListNetworksRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            assertEquals(NO_LEADER, e.getStatus().getDescription());
            assertEquals(2, calls.get(), "every manager was asked");
        }
        try (RemoteClusterApi api = client(List.of(gone(), gone()))) {
            assertEquals(true, assertThrows(StatusRuntimeException.class,
                    () -> api.listNetworks(ListNetworksRequest.getDefaultInstance())).getStatus().getDescription()
                    .startsWith("the swarm managers at "), "all gone: unreachable, as before");
        }
    }
}
