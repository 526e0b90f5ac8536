package io.jswarm.agent.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one line a worker's daemon answers with when its manager cannot be reached, and the trailer that marks it. */
class ManagerUnreachableStatusTest {
    @Test
    void aRefusedConnectionNamesTheManagerAndTheErrnoText() {
        Status refused = Status.UNAVAILABLE.withDescription("io exception").withCause(new IOException(
                "finishConnect(..) failed with error(-111): Connection refused", new ConnectException(
                        "finishConnect(..) failed with error(-111): Connection refused")));
        StatusRuntimeException e = ManagerUnreachable.refused(List.of("192.0.2.11:2377"), refused);

        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals("the swarm manager at 192.0.2.11:2377 is unreachable (Connection refused)",
                e.getStatus().getDescription());
        assertEquals("192.0.2.11:2377", e.getTrailers().get(ManagerUnreachable.MANAGERS));
    }

    @Test
    void aSilentManagerAndSeveralManagers() {
        assertEquals("the swarm managers at 192.0.2.11:2377, 192.0.2.12:2377 are unreachable (no answer within 2000 ms)",
                ManagerUnreachable.silent(List.of("192.0.2.11", "192.0.2.12:2377"), Duration.ofSeconds(2))
                        .getStatus().getDescription());
        assertEquals("the swarm manager at 192.0.2.11:2377 is unreachable (io exception)", ManagerUnreachable
                .refused(List.of("192.0.2.11:2377"), Status.UNAVAILABLE.withDescription("io exception"))
                .getStatus().getDescription());
    }
}
