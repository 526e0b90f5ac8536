package io.jswarm.agent;

import static io.jswarm.agent.JoinSecurityTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jswarm.encryption.JoinToken;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.manager.api.InitParams;
import io.jswarm.manager.api.ManagerConfig;
import io.jswarm.manager.api.ManagerNode;
import io.jswarm.manager.keys.KeyRotationConfig;
import io.jswarm.manager.state.EndpointQuota;
import io.jswarm.manager.tls.Tls;
import io.jswarm.proto.cluster.DataKeys;
import io.jswarm.proto.cluster.DispatcherGrpc;
import io.jswarm.proto.cluster.JoinRequest;
import io.jswarm.proto.cluster.PairKey;
import io.jswarm.proto.cluster.PeerKeys;
import io.jswarm.proto.cluster.RequestKeyRotationRequest;
import io.jswarm.proto.cluster.RotateDataKeysRequest;
import io.jswarm.vxlan.HostPort;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's keys over the real path: a ManagerNode on loopback with mutual TLS, two workers' AgentSessions
 * and the manager's own keys listener; each gets only its pairs' keys, acks, and a rotation is promoted once
 * all acked (the promote deadline is a minute here, so a promotion within the test's 15 s is the acks' doing).
 */
class DataKeysSessionTest {
    /** Promotion only by acks (the deadline is far); a short grace so retired generations go within the test. */
    static final KeyRotationConfig KEYS = new KeyRotationConfig(Duration.ofHours(1), Duration.ofSeconds(60),
            Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofMillis(100));

    @TempDir
    Path dir;
    ManagerNode manager;
    HostPort addr;
    final AtomicReference<DataKeys> own = new AtomicReference<>();

    @BeforeEach
    void start() throws Exception {
        Path swarm = dir.resolve("m");
        ManagerNode.bootstrap(swarm, new InitParams("m1", "127.0.0.1", "127.0.0.1:2377", "", 0, List.of(), 24,
                Duration.ofHours(2), "test"), InstantSource.system());
        manager = ManagerNode.open(swarm, new ManagerConfig(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1:2377",
                Duration.ofMillis(200), Duration.ofMillis(800), "test"), EndpointQuota.DEFAULT, KEYS, InstantSource.system());
        manager.addOwnKeysListener(k -> {
            own.set(k);
            manager.ownKeysInstalled(k.getStateIndex()); // as the manager's own agent does once its kernel has them
        });
        manager.start();
        addr = new HostPort("127.0.0.1", manager.port());
    }

    @AfterEach
    void stop() throws Exception {
        manager.close();
    }

    record Worker(NodeIdentity identity, AgentSession session, AtomicReference<DataKeys> keys) implements AutoCloseable {
        @Override
        public void close() {
            session.close();
        }
    }

    Worker worker(String name) {
        JoinToken token = manager.joinToken(Role.WORKER);
        NodeIdentity id = Joiner.join(addr, token, JoinRequest.newBuilder().setHostname(name), Duration.ofSeconds(10)).identity();
        var config = new DaemonConfig(dir.resolve(name + ".sock"), dir.resolve(name), name, Duration.ofMillis(200),
                Duration.ofMillis(800), Duration.ofMillis(300));
        AgentSession s = new AgentSession(List.of(addr.toString()), new IdentityKeyManager(id), dir.resolve(name + "/certs"),
                config, "test");
        AtomicReference<DataKeys> keys = new AtomicReference<>();
        s.onDataKeys(k -> {
            keys.set(k);
            s.keysInstalled(k.getStateIndex()); // a kernel that installs at once
        });
        s.start();
        return new Worker(id, s, keys);
    }

    static Set<String> peers(DataKeys k) {
        return k == null ? Set.of() : k.getPeersList().stream().map(PeerKeys::getNodeId).collect(Collectors.toSet());
    }

    static List<Integer> generations(DataKeys k) {
        return k == null || k.getPeersCount() == 0 ? List.of()
                : k.getPeers(0).getKeysList().stream().map(PairKey::getGeneration).toList();
    }

    <T> T asWorker(NodeIdentity id, java.util.function.Function<DispatcherGrpc.DispatcherBlockingStub, T> call) throws Exception {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", manager.port())
                .sslContext(Tls.client(new IdentityKeyManager(id), id.root())).overrideAuthority(Tls.MANAGER_AUTHORITY).build();
        try {
            return call.apply(DispatcherGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS));
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    void nodesGetTheirPairsKeysAckAndSeeTheRotationPromotedThenANodeRemovalDropsItsPairsAndRotates() throws Exception {
        // Everything logged meanwhile (slf4j-simple writes to the current System.err) is checked for keys below.
        java.io.PrintStream err = System.err;
        var logged = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                err.write(b);
                synchronized (logged) {
                    logged.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                err.write(b, off, len);
                synchronized (logged) {
                    logged.write(b, off, len);
                }
            }
        }, true));
        try {
            rotateAndRemove();
        } finally {
            System.setErr(err);
        }
        String text;
        synchronized (logged) {
            text = logged.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
        assertTrue(text.contains("data key promoted generation=2"), "the log was captured");
        for (String field : List.of("out_key", "in_key", "root_sealed", "outKey", "inKey")) {
            assertFalse(text.contains(field), "a log line printed " + field);
        }
    }

    private void rotateAndRemove() throws Exception {
        try (Worker w1 = worker("w1"); Worker w2 = worker("w2")) {
            String m = manager.nodeId();
            String id1 = w1.identity().nodeId();
            String id2 = w2.identity().nodeId();
            await(() -> peers(w1.keys().get()).equals(Set.of(m, id2)) && peers(w2.keys().get()).equals(Set.of(m, id1))
                    && peers(own.get()).equals(Set.of(id1, id2)));
            DataKeys k1 = w1.keys().get();
            assertEquals(1, k1.getPrimaryGeneration(), "the first generation, made at start (\"init\")");
            assertEquals(List.of(1), generations(k1));
            PairKey w1ToW2 = k1.getPeersList().stream().filter(p -> p.getNodeId().equals(id2)).findFirst().orElseThrow().getKeys(0);
            PairKey w2ToW1 = w2.keys().get().getPeersList().stream().filter(p -> p.getNodeId().equals(id1)).findFirst()
                    .orElseThrow().getKeys(0);
            assertEquals(w1ToW2.getOutKey(), w2ToW1.getInKey(), "both ends of a pair agree");
            assertEquals(w1ToW2.getOutSpi(), w2ToW1.getInSpi());
            assertEquals("127.0.0.1", k1.getPeers(0).getDataPathAddr());
            // The manager learns nothing about the w1-w2 pair it could not derive itself, but w1 and w2 keys never
            // reach the manager's own node: its message holds only its pairs' keys.
            own.get().getPeersList().forEach(p -> p.getKeysList().forEach(k -> {
                assertFalse(k.getOutKey().equals(w1ToW2.getOutKey()) || k.getInKey().equals(w1ToW2.getOutKey()));
            }));

            // A worker may not rotate; the manager may.
            var denied = assertThrows(StatusRuntimeException.class,
                    () -> asWorker(w1.identity(), s -> s.rotateDataKeys(RotateDataKeysRequest.getDefaultInstance())));
            assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
            assertEquals(2, manager.api().rotateDataKeys(manager.self(), RotateDataKeysRequest.getDefaultInstance()).getGeneration());
            long t0 = System.nanoTime();
            await(() -> w1.keys().get().getPrimaryGeneration() == 2 && w2.keys().get().getPrimaryGeneration() == 2
                    && own.get().getPrimaryGeneration() == 2);
            long promotedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.println("rotation promoted after " + promotedMillis + " ms");
            assertTrue(promotedMillis < 30_000, "promoted by the acks, not the 60 s deadline: " + promotedMillis + " ms");
            await(() -> generations(w1.keys().get()).equals(List.of(2)));  // generation 1 retired after the grace

            // A soft-limit report from a worker rotates, once; a second one at once does not.
            assertTrue(asWorker(w1.identity(), s -> s.requestKeyRotation(RequestKeyRotationRequest.newBuilder()
                    .setGeneration(2).build())).getStarted());
            assertFalse(asWorker(w2.identity(), s -> s.requestKeyRotation(RequestKeyRotationRequest.newBuilder()
                    .setGeneration(2).build())).getStarted());
            await(() -> w1.keys().get().getPrimaryGeneration() == 3);

            // node rm w2: w1's and the manager's keys lose that pair, and the keys rotate.
            w2.session().close();
            manager.remove(id2, true);
            await(() -> peers(w1.keys().get()).equals(Set.of(m)) && peers(own.get()).equals(Set.of(id1)));
            await(() -> w1.keys().get().getPrimaryGeneration() == 4);
            assertTrue(generations(w1.keys().get()).contains(4));
        }
    }
}
