package io.jswarm.agent.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jswarm.gossip.table.EndpointRecord;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The names a sandbox's resolver gets from the tables: bare and {@code NAME.NETWORK}, by the networks' names. */
class PeerWriterNamesTest {
    private static final String SELF = "node000000000000000000001";
    private static final String FRONT = "front0000000000000000000000";
    private static final String BACK = "back00000000000000000000000";

    private static EndpointRecord rec(String name, String ip, String... aliases) {
        return new EndpointRecord(name, List.of(aliases), InetAddress.ofLiteral(ip), "02:42:0a:00:01:09",
                InetAddress.ofLiteral("192.0.2.1"), SELF);
    }

    @Test
    void aSandboxResolvesNamesQualifiedByTheNamesOfItsOwnNetworks() {
        Map<String, String> names = Map.of(FRONT, "frontend", BACK, "backend");
        // No network is programmed here, so the writer never reaches the data plane.
        var bridge = new PeerWriter(SELF, null, NetworkAgent::specId, id -> names.getOrDefault(id, ""));
        {
            bridge.table(FRONT, Map.of("e1", rec("web", "10.0.1.5", "www")));
            bridge.table(BACK, Map.of("e2", rec("db", "10.0.2.9")));
            bridge.sandboxNetworks("both", List.of(FRONT, BACK)); // reads the views after the upserts
            bridge.sandboxNetworks("front", List.of(FRONT));

            SandboxNames both = bridge.names("both");
            assertEquals(List.of(InetAddress.ofLiteral("10.0.1.5")), both.addresses("web.frontend"));
            assertEquals(List.of(InetAddress.ofLiteral("10.0.1.5")), both.addresses("www.frontend"));
            assertEquals(List.of(InetAddress.ofLiteral("10.0.2.9")), both.addresses("db.backend"));
            assertEquals(List.of(), both.addresses("web.backend"));
            assertEquals(Optional.of("web"), both.name(InetAddress.ofLiteral("10.0.1.5")));
            SandboxNames front = bridge.names("front");
            assertEquals(List.of(InetAddress.ofLiteral("10.0.1.5")), front.addresses("web"));
            assertEquals(List.of(), front.addresses("db.backend"), "not on backend");
            assertEquals(List.of(), front.addresses("db"));
        }
    }

    @Test
    void aNetworkWhoseNameIsNotKnownYetIsKeptUnderItsId() {
        var bridge = new PeerWriter(SELF, null, NetworkAgent::specId, id -> "");
        {
            bridge.table(FRONT, Map.of("e1", rec("web", "10.0.1.5")));
            bridge.sandboxNetworks("c", List.of(FRONT));
            assertEquals(List.of(InetAddress.ofLiteral("10.0.1.5")), bridge.names("c").addresses("web"));
        }
    }
}
