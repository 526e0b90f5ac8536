package io.jswarm.manager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.manager.state.Applied;
import io.jswarm.proto.cluster.AttachEndpointRequest;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.CreateNetwork;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.Role;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, findings 8, 11 (names) and 12 (labels), through the manager's API as a worker calls it: every
 * refusal is a clear error and leaves the state as it was. Uses only the API that existed before the
 * fix, so each test also ran (and failed) on the old code.
 */
class EndpointLimitsTest {
    static final String WORKER = "w".repeat(25);
    static final String OTHER = "o".repeat(25);
    static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-12-01T23:00:00Z"));

    @TempDir
    Path dir;
    ManagerNode m;
    ManagerApi api;
    Caller self;
    Caller worker;
    Caller other;

    @BeforeEach
    void open() throws Exception {
        ManagerNode.bootstrap(dir, new InitParams("m1", "127.0.0.1", "127.0.0.1:2377", "", 0, List.of(), 24,
                Duration.ofHours(2), "test"), CLOCK);
        m = ManagerNode.open(dir, new ManagerConfig(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1:2377",
                Duration.ofMillis(200), Duration.ofMillis(800), "test"), CLOCK);
        for (String id : List.of(WORKER, OTHER)) {
            m.submit(Command.newBuilder().setAddNode(AddNode.newBuilder().setNodeId(id).setHostname(id.substring(0, 2))
                    .setRole(Role.ROLE_WORKER).setAdvertiseAddr("127.0.0.2")).build(), Applied.NodeAdded.class);
        }
        api = m.api();
        self = m.self();
        worker = new Caller(WORKER, io.jswarm.encryption.Role.WORKER, m.clusterId());
        other = new Caller(OTHER, io.jswarm.encryption.Role.WORKER, m.clusterId());
        api.createNetwork(self, CreateNetworkRequest.newBuilder().setDriver("overlay")
                .setSpec(CreateNetwork.newBuilder().setName("web").setAttachable(true)).build());
    }

    @AfterEach
    void close() throws Exception {
        m.close();
    }

    Endpoint attach(Caller c, String name, String... aliases) {
        return api.attach(c, AttachEndpointRequest.newBuilder().setNetwork("web").setName(name)
                .addAllAliases(List.of(aliases)).build()).getEndpoint();
    }

    static Status refused(Runnable r) {
        return assertThrows(StatusRuntimeException.class, r::run).getStatus();
    }

    List<Endpoint> endpoints() {
        return api.listNetworks(self, ListNetworksRequest.newBuilder().setNetwork("web").build())
                .getNetworks(0).getEndpointsList();
    }

    /** Finding 8: a worker attaching in a loop (no sandbox behind it) stops at its quota; others still attach. */
    @Test
    void aWorkerAttachingInALoopHitsItsQuotaBeforeThePoolIsExhausted() {
        int taken = 0;
        Status stop = null;
        for (int i = 0; i < 300 && stop == null; i++) {
            try {
                attach(worker, "x" + i);
                taken++;
            } catch (StatusRuntimeException e) {
                stop = e.getStatus();
            }
        }
        assertTrue(stop != null, "300 attaches on a /24 all succeeded");
        assertEquals(126, taken, "a node holds at most half of a /24's 253 addresses");
        assertEquals(Status.Code.FAILED_PRECONDITION, stop.getCode());
        assertTrue(stop.getDescription().startsWith("endpoint quota exceeded: node " + WORKER + " already owns 126 "
                + "endpoints on network web (limit 126 per node on this network"), stop.getDescription());
        for (int i = 0; i < 100; i++) {
            attach(other, "y" + i); // the pool is not exhausted for the others
        }
        assertEquals(226, endpoints().size());
    }

    /** A manager (a one-node swarm) may fill its own networks: the pool share binds workers only. */
    @Test
    void aManagerIsNotHeldToTheShareOfThePool() {
        for (int i = 0; i < 253; i++) {
            attach(self, "m" + i);
        }
        assertEquals(253, endpoints().size());
        Status full = refused(() -> attach(self, "one-more"));
        assertTrue(full.getDescription().contains("exhausted"), full.getDescription());
    }

    /** The per-node quota counts every network, and is configurable; the refusal says the limit. */
    @Test
    void thePerNodeQuotaCountsAllNetworks() throws Exception {
        m.close();
        m = ManagerNode.open(dir, new ManagerConfig(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1:2377",
                Duration.ofMillis(200), Duration.ofMillis(800), "test"),
                new io.jswarm.manager.state.EndpointQuota(3, 0, 100), CLOCK);
        api = m.api();
        api.createNetwork(m.self(), CreateNetworkRequest.newBuilder().setSpec(CreateNetwork.newBuilder().setName("db")
                .setAttachable(true)).build());
        attach(worker, "a");
        attach(worker, "b");
        api.attach(worker, AttachEndpointRequest.newBuilder().setNetwork("db").setName("c").build());
        Status s = refused(() -> api.attach(worker, AttachEndpointRequest.newBuilder().setNetwork("db").setName("d").build()));
        assertEquals("endpoint quota exceeded: node " + WORKER + " already owns 3 endpoints (limit 3 per node)",
                s.getDescription());
        attach(other, "e");
        assertEquals(3, endpoints().size());
    }

    /** Finding 11: names and aliases the DNS could never answer, or that flood state and logs, are refused. */
    @Test
    void namesThatAreNotDnsNamesAreRefusedAndChangeNothing() {
        String hundredK = "a".repeat(100_000);
        for (String bad : List.of("a\nINFO forged log line", "esc\u001b[31m", hundredK, "a".repeat(64), "a..b", ".a",
                "a.", "-a", "a-", "a b", "é", "_a", "a/b", "a." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(63)
                        + "." + "e".repeat(63))) {
            Status s = refused(() -> attach(worker, bad));
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), bad.length() > 100 ? "long name" : bad);
            assertTrue(s.getDescription().length() < 300, s.getDescription());
            assertFalse(s.getDescription().chars().anyMatch(Character::isISOControl), s.getDescription());
            Status alias = refused(() -> attach(worker, "ok", bad));
            assertEquals(Status.Code.INVALID_ARGUMENT, alias.getCode(), alias.getDescription());
        }
        assertEquals(List.of(), endpoints());
        attach(worker, "a".repeat(63) + ".b_c-d", "x1", "X2");
        assertEquals(1, endpoints().size());
    }

    /** Finding 11: one DNS name, one endpoint: case-insensitive, names and aliases alike. */
    @Test
    void namesAndAliasesAreUniqueCaseInsensitivelyOnANetwork() {
        attach(worker, "web1", "db");
        for (var clash : List.of(List.of("WEB1"), List.of("Db"), List.of("x", "web1"), List.of("y", "DB"),
                List.of("z", "q", "Q"), List.of("z", "Z"), List.of("w.web"))) {
            Status s = refused(() -> attach(other, clash.get(0), clash.subList(1, clash.size()).toArray(String[]::new)));
            assertTrue(s.getCode() == Status.Code.FAILED_PRECONDITION || s.getCode() == Status.Code.INVALID_ARGUMENT,
                    s.toString());
        }
        Status s = refused(() -> attach(other, "Web1"));
        assertEquals("endpoint with name Web1 already exists in network web (the name of endpoint web1; names are "
                + "case-insensitive)", s.getDescription());
        assertEquals(1, endpoints().size());
    }

    /** Finding 12: labels are bounded at create; nothing is stored on refusal. */
    @Test
    void oversizedLabelsAreRefusedAtCreate() {
        Map<String, String> huge = new java.util.HashMap<>();
        for (int i = 0; i < 14; i++) {
            huge.put("k" + i, "v".repeat(100_000)); // ~1.4 MB, as in the finding
        }
        List<Map<String, String>> bad = new ArrayList<>(List.of(huge, Map.of("k", "v".repeat(4097)),
                Map.of("k".repeat(256), "v"), Map.of("", "v"), Map.of("a\nb", "v")));
        Map<String, String> many = new java.util.HashMap<>();
        for (int i = 0; i < 65; i++) {
            many.put("k" + i, "v");
        }
        bad.add(many);
        Map<String, String> total = new java.util.HashMap<>();
        for (int i = 0; i < 5; i++) {
            total.put("k" + i, "v".repeat(4000));
        }
        bad.add(total);
        for (var labels : bad) {
            Status s = refused(() -> api.createNetwork(self, CreateNetworkRequest.newBuilder().setSpec(
                    CreateNetwork.newBuilder().setName("big").putAllLabels(labels)).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
            assertTrue(s.getDescription().length() < 300, s.getDescription());
        }
        assertEquals(1, api.listNetworks(self, ListNetworksRequest.getDefaultInstance()).getNetworksCount());
        Map<String, String> atLimit = new java.util.HashMap<>();
        for (int i = 0; i < 4; i++) {
            atLimit.put("k" + i, "v".repeat(4000));
        }
        api.createNetwork(self, CreateNetworkRequest.newBuilder().setSpec(CreateNetwork.newBuilder().setName("ok")
                .putAllLabels(atLimit)).build());
    }
}
