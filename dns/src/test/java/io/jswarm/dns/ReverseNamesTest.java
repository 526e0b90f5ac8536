package io.jswarm.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReverseNamesTest {

    @Test
    void parsesV4AndV6AndRejectsJunk() throws Exception {
        assertEquals(Optional.of(InetAddress.getByName("10.0.1.5")), ReverseNames.parse("5.1.0.10.in-addr.arpa"));
        String v6 = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa";
        assertEquals(Optional.of(InetAddress.getByName("fd00::1")), ReverseNames.parse(v6));
        for (String bad : new String[] {"1.0.10.in-addr.arpa", "256.1.0.10.in-addr.arpa", "a.1.0.10.in-addr.arpa",
                "..0.10.in-addr.arpa", "x.ip6.arpa", "web", "1.0.0.10.in-addr.arpa.evil"}) {
            assertEquals(Optional.empty(), ReverseNames.parse(bad), bad);
        }
    }
}
