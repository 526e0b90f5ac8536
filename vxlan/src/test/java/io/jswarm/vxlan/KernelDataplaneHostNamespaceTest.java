package io.jswarm.vxlan;

import static io.jswarm.vxlan.DataplaneFixture.NET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 9, finding 9: the data plane never puts an endpoint into the host's own network namespace. */
class KernelDataplaneHostNamespaceTest {
    private final DataplaneFixture f = new DataplaneFixture();

    @Test
    void anEndpointInTheHostNamespaceIsRefusedAndNothingIsMade() throws Exception {
        f.dataplane.ensureNetwork(NET);
        f.kernel.bindHostNamespace(Path.of("/run/netns/jssmall-hostbind"));
        var before = f.kernel.snapshot();
        for (Netns sb : List.of(Netns.current(), Netns.at(Path.of("/proc/self/ns/net")),
                Netns.at(Path.of("/proc/1/ns/net")), Netns.named("jssmall-hostbind"))) {
            var spec = new EndpointSpec("ep1", NET.id(), sb, false, "eth0", IpPrefix.parse("10.0.1.5/24"), null);
            var e = assertThrows(IllegalArgumentException.class, () -> f.dataplane.ensureEndpoint(spec), sb.toString());
            assertTrue(e.getMessage().contains("host's network namespace"), e.getMessage());
            assertEquals(before, f.kernel.snapshot(), sb + ": nothing changed");
        }
        assertTrue(f.dataplane.isHostNamespace((Netns.AtPath) Netns.named("jssmall-hostbind")));
    }
}
