package io.jswarm.agent.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jswarm.gossip.table.EndpointRecord;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: an entry under a lease grant carries names only its owner vouches for; a name it shares with a
 * manager-granted entry resolves to the granted endpoint only, while its other names and its address still work.
 */
class ProvisionalNamesTest {
    private static final String SELF = "node000000000000000000001";
    private static final String NET = "front0000000000000000000000";

    private static EndpointRecord rec(String name, String ip, String... aliases) {
        return new EndpointRecord(name, List.of(aliases), InetAddress.ofLiteral(ip), "02:42:0a:00:01:09",
                InetAddress.ofLiteral("192.0.2.1"), SELF);
    }

    @Test
    void aLeaseHoldersNameNeverShadowsAGrantedOne() {
        var w = new PeerWriter(SELF, null, NetworkAgent::specId, id -> "front");
        w.table(NET, Map.of("e1", rec("db", "10.0.1.5"), "lease7", rec("DB", "10.0.1.66", "cache"),
                "lease8", rec("web", "10.0.1.67")));
        w.sandboxNetworks("c", List.of(NET));
        SandboxNames n = w.names("c");
        // Before the view says which entries are provisional, every entry counts (the tables alone cannot tell).
        assertEquals(2, n.addresses("db").size());

        w.provisional(NET, Set.of("lease7", "lease8"));
        assertEquals(List.of(InetAddress.ofLiteral("10.0.1.5")), n.addresses("db"), "the granted db only");
        assertEquals(List.of(), n.addresses("cache"), "the shadowed entry's names go together");
        assertEquals(List.of(InetAddress.ofLiteral("10.0.1.67")), n.addresses("web.front"), "no clash: it resolves");

        w.provisional(NET, Set.of("lease8")); // lease7 claimed: its names are the manager's now
        assertEquals(2, n.addresses("db").size());
        assertEquals(List.of(InetAddress.ofLiteral("10.0.1.66")), n.addresses("cache"));
    }
}
