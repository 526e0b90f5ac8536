package io.jswarm.gossip.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.Role;
import io.jswarm.gossip.wire.WireCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;

/** The transport listens on the advertise address only, and its probe tells RST from accept. */
class TlsTransportBindTest {
    @Test
    void bindsTheAdvertiseAddressNotTheWildcard() {
        var ca = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
        var t = new TlsTransport(new io.jswarm.encryption.tls.IdentityKeyManager(ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1))),
                new InetSocketAddress(InetAddress.ofLiteral("127.0.0.6"), 0), id -> false, 1 << 20,
                Duration.ofSeconds(2), new WireCodec(), new SimpleMeterRegistry());
        t.start().block();
        try {
            assertTrue(t.address().startsWith("127.0.0.6:"), t.address());
            String port = t.address().substring("127.0.0.6:".length());
            Duration timeout = Duration.ofSeconds(2);
            assertEquals(ProbeResult.CONNECTED, t.probe("127.0.0.6:" + port, timeout).join());
            // Same port on another local address: nothing listens there, so the kernel answers RST.
            assertEquals(ProbeResult.REFUSED, t.probe("127.0.0.7:" + port, timeout).join());
        } finally {
            t.stop().block();
        }
    }
}
