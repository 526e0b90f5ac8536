package io.jswarm.manager.state;

import static io.jswarm.manager.state.Commands.add;
import static io.jswarm.manager.state.Commands.init;
import static io.jswarm.manager.state.NetCommands.attach;
import static io.jswarm.manager.state.NetCommands.create;
import static io.jswarm.manager.state.NetCommands.detach;
import static io.jswarm.manager.state.NetCommands.network;
import static io.jswarm.manager.state.NetCommands.rmNet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.Role;
import io.jswarm.proto.state.Snapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** Allocations survive restarts, with the log alone, with snapshots, and with snapshots only. */
class NetworkDurabilityTest {
    @TempDir
    Path dir;

    private ManagerStore open(int snapshotEvery) throws IOException {
        return ManagerStore.open(LocalCommandLog.open(dir), snapshotEvery);
    }

    private static void ok(ManagerStore s, Command c) throws IOException {
        assertInstanceOf(StateStore.Outcome.Committed.class, s.submit(c), c.toString());
    }

    private static String ip(ManagerStore s, String net, String endpointId) {
        return s.view().endpoints(net).stream().filter(e -> e.getEndpointId().equals(endpointId))
                .findFirst().orElseThrow().getAddress();
    }

    private static int vni(ManagerStore s, String net) {
        return s.view().network(net).orElseThrow().getVni();
    }

    /** 1000: the log alone; 3: a snapshot plus a short tail; 1: every command compacts, the snapshot alone. */
    @ParameterizedTest
    @ValueSource(ints = {1000, 3, 1})
    void noAddressOrVniIsHandedOutTwiceAcrossRestarts(int snapshotEvery) throws IOException {
        try (ManagerStore s = open(snapshotEvery)) {
            ok(s, init("c1"));
            ok(s, add("n1", Role.ROLE_WORKER));
            ok(s, create(network("a").setSubnet("10.5.0.0/29")));
            ok(s, create("b"));
            ok(s, attach("a", "e1", "n1"));
            ok(s, attach("a", "e2", "n1"));
            ok(s, detach("a", "e1"));
            ok(s, rmNet("b"));
        }
        Snapshot before;
        try (ManagerStore s = open(snapshotEvery)) {
            // e1's .2 was freed before the restart; serial order goes on after .3, not back to .2.
            ok(s, attach("a", "e3", "n1"));
            assertEquals("10.5.0.4", ip(s, "a", "e3"));
            assertEquals("10.5.0.3", ip(s, "a", "e2"));
            // b's VNI 4098 was freed before the restart; the next is 4099.
            ok(s, create("c"));
            assertEquals(4099, vni(s, "c"));
            assertEquals("10.0.0.0/24", s.view().network("c").orElseThrow().getSubnet());
            before = s.snapshot();
        }
        try (ManagerStore s = open(snapshotEvery)) {
            assertEquals(before, s.snapshot());
            assertEquals(new StateStore.Outcome.Refused("address 10.5.0.4 already in use"),
                    s.submit(attach("a", "e4", "n1", "10.5.0.4")));
            ok(s, attach("a", "e4", "n1"));
            ok(s, attach("a", "e5", "n1"));
            ok(s, attach("a", "e6", "n1"));
            // .5, .6, then wrap: .2 is the first free one.
            assertEquals(List.of("10.5.0.5", "10.5.0.6", "10.5.0.2"),
                    List.of(ip(s, "a", "e4"), ip(s, "a", "e5"), ip(s, "a", "e6")));
        }
        if (snapshotEvery == 1) {
            assertEquals(0, Files.size(dir.resolve("commands.log")));
        }
    }

    /**
     * Many attach/detach over several small networks, with restarts and compactions in between. An
     * independent model of serial allocation predicts every address; on top, no address is ever held
     * twice, and a freed address is handed out again only after its network's cursor has wrapped.
     */
    @ParameterizedTest
    @ValueSource(ints = {1000, 37})
    void churnNeverDuplicatesAndReusesOnlyAfterAWrap(int snapshotEvery) throws IOException {
        List<String> nets = List.of("n-a", "n-b", "n-c");
        Map<String, IpPrefix> subnets = Map.of("n-a", IpPrefix.parseSubnet("10.7.0.0/27"),
                "n-b", IpPrefix.parseSubnet("10.7.1.0/26"), "n-c", IpPrefix.parseSubnet("10.7.2.0/28"));
        Map<String, TreeSet<Long>> held = new HashMap<>();
        Map<String, Long> cursor = new HashMap<>();
        Map<String, Integer> wraps = new HashMap<>();
        Map<String, Integer> wrapsWhenGiven = new HashMap<>(); // net/address -> wraps when last handed out
        Map<String, List<String>> live = new HashMap<>();
        Random rnd = new Random(42);
        int counter = 0;
        int reuses = 0;
        ManagerStore s = open(snapshotEvery);
        try {
            ok(s, init("c1"));
            ok(s, add("n1", Role.ROLE_WORKER));
            for (String n : nets) {
                ok(s, create(n, subnets.get(n).toString()));
                held.put(n, new TreeSet<>());
                cursor.put(n, -1L);
                wraps.put(n, 0);
                live.put(n, new ArrayList<>());
            }
            for (int op = 0; op < 1000; op++) {
                if (op % 200 == 199) {
                    Snapshot before = s.snapshot();
                    s.close();
                    s = open(snapshotEvery);
                    assertEquals(before, s.snapshot());
                }
                String n = nets.get(rnd.nextInt(nets.size()));
                IpPrefix sub = subnets.get(n);
                long capacity = sub.size() - 3; // network, gateway, broadcast
                List<String> eps = live.get(n);
                boolean attach = eps.isEmpty() || (eps.size() < capacity && rnd.nextInt(100) < 60);
                if (attach) {
                    String id = "e" + counter++;
                    ok(s, attach(n, id, "n1"));
                    long got = IpPrefix.parseIpv4(ip(s, n, id));
                    long expected = modelNext(sub, held.get(n), cursor.get(n));
                    assertEquals(IpPrefix.formatIpv4(expected), IpPrefix.formatIpv4(got), "op " + op);
                    if (got <= cursor.get(n)) {
                        wraps.merge(n, 1, Integer::sum);
                    }
                    String key = n + "/" + got;
                    Integer givenAt = wrapsWhenGiven.put(key, wraps.get(n));
                    if (givenAt != null) {
                        reuses++;
                        assertTrue(wraps.get(n) > givenAt, "address " + key + " reused before the cursor wrapped");
                    }
                    assertTrue(held.get(n).add(got), "address " + key + " handed out while held");
                    cursor.put(n, got);
                    eps.add(id);
                } else {
                    String id = eps.remove(rnd.nextInt(eps.size()));
                    long address = IpPrefix.parseIpv4(ip(s, n, id));
                    ok(s, detach(n, id));
                    held.get(n).remove(address);
                }
                assertNoAddressHeldTwice(s, nets);
            }
            assertTrue(reuses > 50, "the churn must exercise reuse after wrap-around, saw " + reuses);
        } finally {
            s.close();
        }
        try (ManagerStore reopened = open(snapshotEvery)) {
            for (String n : nets) {
                Set<Long> addresses = new HashSet<>();
                reopened.view().endpoints(n).forEach(e -> addresses.add(IpPrefix.parseIpv4(e.getAddress())));
                assertEquals(held.get(n), new TreeSet<>(addresses));
            }
        }
    }

    /** The oracle: the first free usable address after the cursor, wrapping once. */
    private static long modelNext(IpPrefix sub, Set<Long> held, long cursor) {
        long gateway = sub.first() + 1;
        for (long a = Math.max(cursor + 1, sub.first()); a < sub.last(); a++) {
            if (a > gateway && !held.contains(a)) {
                return a;
            }
        }
        for (long a = gateway + 1; a < sub.last(); a++) {
            if (!held.contains(a)) {
                return a;
            }
        }
        throw new AssertionError("model: no free address");
    }

    private static void assertNoAddressHeldTwice(ManagerStore s, List<String> nets) {
        for (String n : nets) {
            List<Endpoint> eps = s.view().endpoints(n);
            assertEquals(eps.size(), eps.stream().map(Endpoint::getAddress).distinct().count(), "duplicate address on " + n);
        }
    }
}
