package io.jswarm.manager.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.manager.ipam.IpamException;
import io.jswarm.proto.state.AttachEndpoint;
import org.junit.jupiter.api.Test;

class EndpointQuotaTest {
    @Test
    void theNetworkLimitIsTheLowerOfCountAndShare() {
        assertEquals(126, EndpointQuota.DEFAULT.networkLimit(253));
        assertEquals(256, EndpointQuota.DEFAULT.networkLimit(65533));
        assertEquals(1, EndpointQuota.DEFAULT.networkLimit(1));
        assertEquals(0, EndpointQuota.NONE.networkLimit(253));
        assertEquals(10, new EndpointQuota(0, 10, 0).networkLimit(253));
        assertEquals(253, new EndpointQuota(0, 0, 100).networkLimit(253));
    }

    @Test
    void refusalsNameTheLimit() throws IpamException {
        EndpointQuota q = new EndpointQuota(3, 2, 50);
        q.check("n", 2, 1, "web", 253);
        var node = assertThrows(IpamException.class, () -> q.check("n", 3, 0, "web", 253));
        assertEquals("endpoint quota exceeded: node n already owns 3 endpoints (limit 3 per node)", node.getMessage());
        var net = assertThrows(IpamException.class, () -> q.check("n", 2, 2, "web", 253));
        assertTrue(net.getMessage().contains("(limit 2 per node on this network: the lower of 2 per network and 50% of its "
                + "253 addresses)"), net.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EndpointQuota(-1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new EndpointQuota(0, 0, 101));
    }

    @Test
    void theQuotaTravelsInTheCommand() {
        EndpointQuota q = new EndpointQuota(7, 5, 30);
        assertEquals(q, EndpointQuota.of(q.into(AttachEndpoint.newBuilder()).build()));
        assertEquals(EndpointQuota.NONE, EndpointQuota.of(AttachEndpoint.getDefaultInstance()));
    }
}
