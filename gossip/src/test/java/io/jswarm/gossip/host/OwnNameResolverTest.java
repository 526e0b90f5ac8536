package io.jswarm.gossip.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolver.LookupPolicy;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class OwnNameResolverTest {
    private static final LookupPolicy ANY = LookupPolicy.of(LookupPolicy.IPV4 | LookupPolicy.IPV6);

    /** Knows only the names in {@code known}. */
    private static InetAddressResolver builtin(Map<String, String> known) {
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                String a = known.get(host);
                if (a == null) {
                    throw new UnknownHostException(host);
                }
                return Stream.of(InetAddress.ofLiteral(a));
            }

            @Override
            public String lookupByAddress(byte[] addr) throws UnknownHostException {
                throw new UnknownHostException();
            }
        };
    }

    @Test
    void theOwnNameResolvesToLoopbackWhenNothingElseKnowsIt() throws Exception {
        var r = new OwnNameResolver(builtin(Map.of()), () -> "guest1");
        assertEquals(List.of(InetAddress.ofLiteral("127.0.0.1"), InetAddress.ofLiteral("::1")),
                r.lookupByName("guest1", ANY).toList());
        assertEquals(List.of(InetAddress.ofLiteral("::1")),
                r.lookupByName("GUEST1", LookupPolicy.of(LookupPolicy.IPV6)).toList());
        assertEquals(List.of(InetAddress.ofLiteral("::1"), InetAddress.ofLiteral("127.0.0.1")), r.lookupByName("guest1",
                LookupPolicy.of(LookupPolicy.IPV4 | LookupPolicy.IPV6 | LookupPolicy.IPV6_FIRST)).toList());
    }

    @Test
    void everyOtherAnswerIsTheBuiltInOne() throws Exception {
        var r = new OwnNameResolver(builtin(Map.of("guest1", "198.51.100.7", "peer", "198.51.100.8")), () -> "guest1");
        assertEquals(List.of(InetAddress.ofLiteral("198.51.100.7")), r.lookupByName("guest1", ANY).toList());
        assertEquals(List.of(InetAddress.ofLiteral("198.51.100.8")), r.lookupByName("peer", ANY).toList());
        assertThrows(UnknownHostException.class, () -> r.lookupByName("nobody", ANY));
    }
}
