package io.jswarm.e2e.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.testing.RequiresRoot;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code e2e/bench ha} from rotting (family {@code jshab}): one leader SIGKILL, 3 s rate windows. Asserts
 * what must hold in any run (no duplicate address, the state agrees with every answer, writes came back); the
 * timing targets are the full benchmark's to report.
 */
class HaBenchSmokeE2ETest {

    @Test
    @RequiresRoot
    void haBenchmarkKillsTheLeaderAndHandsNoAddressOutTwice() throws Exception {
        Map<String, Object> r = HaBench.run(1, 3, 0, "jshab");
        String json = Bench.json(r);
        System.err.println("ha smoke: " + json);
        assertTrue(json.startsWith("{\"bench\":\"ha\",\"kills\":1,\"election_p50_ms\":"), json);
        assertEquals(0, r.get("duplicate_addresses"), json);
        assertEquals(0, r.get("state_mismatches"), json);
        assertTrue((Double) r.get("write_gap_max_ms") > 0 && (Double) r.get("attach_rate_3mgr") > 0, json);
    }
}
