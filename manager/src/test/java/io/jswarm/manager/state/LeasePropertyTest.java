package io.jswarm.manager.state;

import static io.jswarm.manager.state.Commands.add;
import static io.jswarm.manager.state.Commands.init;
import static io.jswarm.manager.state.Commands.remove;
import static io.jswarm.manager.state.LeaseCommands.claim;
import static io.jswarm.manager.state.LeaseCommands.giveBack;
import static io.jswarm.manager.state.LeaseCommands.grant;
import static io.jswarm.manager.state.NetCommands.attach;
import static io.jswarm.manager.state.NetCommands.create;
import static io.jswarm.manager.state.NetCommands.detach;
import static io.jswarm.manager.state.NetCommands.network;
import static io.jswarm.manager.state.NetCommands.release;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.LeasedAddress;
import io.jswarm.proto.state.Role;
import io.jswarm.proto.state.Snapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * No address is ever held twice (issue 12): random sequences of attaches, detaches, grants, claims, returns,
 * leaves and node removals on two small networks (13 and 5 usable addresses, so pools run dry and cursors
 * wrap), replayed on a second replica that is restored from a snapshot now and then. After every command an
 * independent model of who holds which address must agree: a new endpoint or lease never gets an address the
 * model says is held, a claim keeps its address, and both replicas' snapshots are equal.
 */
class LeasePropertyTest {
    private static final List<String> NETS = List.of("a", "b");
    private static final int RUNS = 40;
    private static final int STEPS = 400;

    @Test
    void noAddressIsEverHeldTwiceAndReplicasAgree() throws Exception {
        int refused = 0;
        int applied = 0;
        for (long seed = 1; seed <= RUNS; seed++) {
            int[] counts = run(new Random(seed), seed);
            applied += counts[0];
            refused += counts[1];
        }
        // The sequences exercise both paths (a generator that only produced refusals would prove nothing).
        assertTrue(applied > RUNS * STEPS / 3, "applied " + applied);
        assertTrue(refused > RUNS * STEPS / 20, "refused " + refused);
    }

    private int[] run(Random rnd, long seed) throws Exception {
        StateMachine sm = new StateMachine();
        StateMachine replica = new StateMachine();
        List<String> nodes = new ArrayList<>(List.of("n1", "n2", "n3"));
        long[] index = {0};
        List<Command> setup = List.of(init("c1"), add("n1", Role.ROLE_MANAGER), add("n2", Role.ROLE_WORKER),
                add("n3", Role.ROLE_WORKER), create(network("a").setSubnet("198.51.100.0/28").setAttachable(true)),
                create(network("b").setSubnet("203.0.113.0/29").setAttachable(true)));
        for (Command c : setup) {
            index[0]++;
            Commands.assertApplied(sm.apply(index[0], c));
            replica.apply(index[0], c);
        }
        // The model: network id -> address -> "endpoint:ID" or "lease:NODE".
        Map<String, Map<String, String>> held = new HashMap<>();
        int next = 0;
        int ok = 0;
        int no = 0;
        for (int step = 0; step < STEPS; step++) {
            String net = "id-" + NETS.get(rnd.nextInt(NETS.size()));
            String node = nodes.get(rnd.nextInt(nodes.size()));
            Map<String, String> h = held.computeIfAbsent(net, k -> new HashMap<>());
            Command c = switch (rnd.nextInt(10)) {
                case 0, 1 -> attach(net, "e" + next++, node);
                case 2 -> attach(net, "e" + next++, node, pick(rnd, net.equals("id-a") ? "198.51.100." : "203.0.113.", 16));
                case 3, 4 -> grant(net, node, ids(rnd, next += 4, 1 + rnd.nextInt(4)));
                case 5, 6 -> claim(net, node, anyHeld(rnd, h, net), "name" + rnd.nextInt(30));
                case 7 -> giveBack(net, node, anyHeld(rnd, h, net), anyHeld(rnd, h, net));
                case 8 -> sm.endpoints(net).isEmpty() ? release(node)
                        : detach(net, sm.endpoints(net).get(rnd.nextInt(sm.endpoints(net).size())).getEndpointId());
                default -> rnd.nextInt(4) == 0 ? remove(node) : release(node);
            };
            List<Command> cmds = new ArrayList<>(List.of(c));
            if (c.hasRemoveNode()) { // node rm: a new node takes its place
                nodes.remove(node);
                nodes.add("r" + next);
                cmds.add(add("r" + next++, Role.ROLE_WORKER));
            }
            for (Command x : cmds) {
                index[0]++;
                Applied a = sm.apply(index[0], x);
                assertEquals(a, replica.apply(index[0], x), "seed " + seed + " step " + step);
                if (a instanceof Applied.Refused) {
                    no++;
                } else {
                    ok++;
                }
                check(a, held, seed, step);
            }
            if (rnd.nextInt(25) == 0) { // the replica catches up from a snapshot instead of the log
                replica = new StateMachine();
                replica.restore(Snapshot.parseFrom(sm.snapshot().toByteArray()));
            }
            assertEquals(sm.snapshot(), replica.snapshot(), "seed " + seed + " step " + step);
            assertEquals(model(sm), held.entrySet().stream().filter(e -> !e.getValue().isEmpty())
                    .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)),
                    "seed " + seed + " step " + step);
        }
        return new int[] {ok, no};
    }

    /** Updates the model with what a command did, asserting no address it hands out is held already. */
    private static void check(Applied a, Map<String, Map<String, String>> held, long seed, int step) {
        String where = "seed " + seed + " step " + step + ": ";
        switch (a) {
            case Applied.EndpointAttached e -> assertNull(held.computeIfAbsent(e.endpoint().getNetworkId(),
                    k -> new HashMap<>()).put(e.endpoint().getAddress(), "endpoint:" + e.endpoint().getEndpointId()),
                    where + "attach handed out a held address");
            case Applied.LeaseGranted g -> g.granted().forEach(l -> assertNull(held.computeIfAbsent(l.getNetworkId(),
                    k -> new HashMap<>()).put(l.getAddress(), "lease:" + l.getNodeId()), where + "grant handed out a held address"));
            case Applied.LeaseClaimed c -> assertEquals("lease:" + c.lease().getNodeId(), held.get(c.endpoint().getNetworkId())
                    .put(c.endpoint().getAddress(), "endpoint:" + c.endpoint().getEndpointId()), where + "claim of a non-lease");
            case Applied.LeaseReturned r -> r.returned().forEach(l -> assertEquals("lease:" + r.nodeId(),
                    held.get(l.getNetworkId()).remove(l.getAddress()), where));
            case Applied.EndpointDetached d -> held.get(d.endpoint().getNetworkId()).remove(d.endpoint().getAddress());
            case Applied.NodeEndpointsReleased r -> dropNode(held, r.nodeId(), r.released());
            case Applied.NodeRemoved r -> dropNode(held, r.nodeId(), r.released());
            default -> {
            }
        }
    }

    private static void dropNode(Map<String, Map<String, String>> held, String node, List<Endpoint> released) {
        released.forEach(e -> held.get(e.getNetworkId()).remove(e.getAddress()));
        held.values().forEach(m -> m.values().removeIf(v -> v.equals("lease:" + node)));
    }

    /** The state's own answer to the model's question. */
    private static Map<String, Map<String, String>> model(StateMachine sm) {
        Map<String, Map<String, String>> out = new HashMap<>();
        for (var n : sm.networks()) {
            for (Endpoint e : sm.endpoints(n.getNetworkId())) {
                assertNull(out.computeIfAbsent(n.getNetworkId(), k -> new HashMap<>()).put(e.getAddress(),
                        "endpoint:" + e.getEndpointId()), "the state holds an address twice");
            }
        }
        for (LeasedAddress l : sm.leases()) {
            assertNull(out.computeIfAbsent(l.getNetworkId(), k -> new HashMap<>()).put(l.getAddress(),
                    "lease:" + l.getNodeId()), "the state holds an address twice");
        }
        return out;
    }

    private static String[] ids(Random rnd, int base, int count) {
        String[] out = new String[count];
        for (int i = 0; i < count; i++) {
            // Now and then an id already used, which the grant must refuse.
            out[i] = rnd.nextInt(20) == 0 ? "e" + rnd.nextInt(Math.max(1, base)) : "l" + base + "-" + i;
        }
        return out;
    }

    private static String anyHeld(Random rnd, Map<String, String> h, String net) {
        if (h.isEmpty() || rnd.nextInt(10) == 0) {
            return pick(rnd, net.equals("id-a") ? "198.51.100." : "203.0.113.", 16);
        }
        List<String> all = new ArrayList<>(h.keySet());
        java.util.Collections.sort(all);
        return all.get(rnd.nextInt(all.size()));
    }

    private static String pick(Random rnd, String prefix, int range) {
        return prefix + rnd.nextInt(range);
    }
}
