package io.jswarm.vxlan.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jswarm.vxlan.MacAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class KernelListenerTest {
    private final Map<String, Integer> ops = new TreeMap<>();
    private final List<String> failures = new ArrayList<>();
    private final KernelListener listener = new KernelListener() {
        @Override
        public void operations(String kind, int count) {
            ops.merge(kind, count, Integer::sum);
        }

        @Override
        public void failure(String kind, String errnoName) {
            failures.add(kind + " " + errnoName);
        }
    };

    @Test
    void aBatchCountsEveryChangeByKindAndEachFailureByKindAndErrno() throws Exception {
        KernelChange n1 = new KernelChange.SetNeighbor(Neighbor.permanent("vxlan0", InetAddress.getByName("192.0.2.5"),
                MacAddress.parse("02:42:c0:00:02:05")));
        KernelChange n2 = new KernelChange.DeleteNeighbor("vxlan0", InetAddress.getByName("192.0.2.6"));
        KernelChange link = new KernelChange.DeleteLink("gone0");
        List<KernelChange> batch = List.of(n1, n2, n1, link);
        KernelException e = new KernelException(List.of(
                new KernelException("RTM_DELLINK gone0", link, 19, "ENODEV", null),
                new KernelException("RTM_NEWNEIGH", n1, 22, "EINVAL", null)));

        KernelListener.reportBatch(listener, batch, e);

        assertEquals(Map.of("DeleteLink", 1, "DeleteNeighbor", 1, "SetNeighbor", 2), ops);
        assertEquals(List.of("DeleteLink ENODEV", "SetNeighbor EINVAL"), failures);
    }

    @Test
    void aSocketErrorIsOneFailureOfTheBatchAndSuccessIsNone() {
        List<KernelChange> batch = List.of(new KernelChange.DeleteLink("a0"));
        KernelListener.reportBatch(listener, batch, null);
        KernelListener.reportBatch(listener, batch, new IOException("netlink: no answer"));
        assertEquals(Map.of("DeleteLink", 2), ops);
        assertEquals(List.of("apply EIO"), failures);
    }
}
