package io.jswarm.e2e.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.testing.RequiresRoot;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code e2e/bench abuse} from rotting (family {@code jsabuse}): a short run with few connections. Only
 * what this branch guarantees is asserted: the daemons survive, {@code node ls} keeps working, and the attack
 * really ran. {@code hijacked} and {@code lost_pings} are reported, not asserted: refusing forged
 * entries is another part of issue 9.
 */
@org.junit.jupiter.api.parallel.Isolated("its attacker host lost its namespace once while other classes ran beside it; alone it passes")
class AbuseBenchSmokeE2ETest {

    @Test
    @RequiresRoot
    void abuseBenchmarkRunsTheAttackAndTheClusterKeepsAnswering() throws Exception {
        Map<String, Object> r = AbuseBench.run(15, 400, "jsabuse");
        String json = Bench.json(r);
        System.err.println("abuse smoke: " + json);
        assertTrue(json.startsWith("{\"bench\":\"abuse\","), json);
        for (String k : new String[] {"node_ls_p99_ms_before", "node_ls_p99_ms_during", "lost_pings", "hijacked", "daemon_restarts"}) {
            assertTrue(r.containsKey(k), k + " in " + json);
        }
        assertEquals(0, r.get("daemon_restarts"), json);
        assertEquals(0, r.get("node_ls_failed"), json);
        // Attaches are reachable only from hosts whose pinger is not hijacked, so failures are reported, not asserted.
        assertTrue((Integer) r.get("attaches_ok") + (Integer) r.get("attaches_failed") >= 1, json);
        assertTrue((Long) r.get("outsider_connections_opened") > 0 && (Long) r.get("forged_messages_sent") > 0, json);
    }
}
