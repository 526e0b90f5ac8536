package io.jswarm.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EndpointNamesTest {

    private static DnsEndpoint ep(String name, String ip, String... aliases) {
        return new DnsEndpoint(name, List.of(aliases), InetAddress.ofLiteral(ip));
    }

    private static InetAddress ip(String s) {
        return InetAddress.ofLiteral(s);
    }

    @Test
    void indexesNamesAndAliasesOfTheGivenNetworksOnly() {
        var front = List.of(ep("web.1", "10.0.1.5", "web"), ep("web.2", "10.0.1.6", "Web"));
        var back = List.of(ep("db", "10.0.2.9"), ep("v6only", "fd00::9"));
        var other = List.of(ep("secret", "10.0.3.3"));
        var names = EndpointNames.of(Map.of("frontend", front, "backend", back));
        assertEquals(List.of(ip("10.0.1.5"), ip("10.0.1.6")), names.addresses("web"));
        assertEquals(List.of(ip("10.0.2.9")), names.addresses("DB"));
        assertEquals(List.of(), names.addresses("secret"), "another network's name");
        assertEquals(List.of(), names.addresses("v6only"), "no A record for an IPv6-only endpoint");
        assertEquals(Optional.of("web.2"), names.name(ip("10.0.1.6")));
        assertEquals(Optional.empty(), names.name(ip("10.0.3.3")));
        assertEquals(List.of(ip("10.0.3.3")), EndpointNames.of(Map.of("other", other)).addresses("secret"));
    }

    @Test
    void namesAndAliasesResolveQualifiedByTheirOwnNetworkOnly() {
        var names = EndpointNames.of(Map.of(
                "frontend", List.of(ep("web", "10.0.1.5", "www"), ep("api", "10.0.1.7")),
                "backend", List.of(ep("db", "10.0.2.9"), ep("api", "10.0.2.7"))));
        assertEquals(List.of(ip("10.0.1.5")), names.addresses("web.frontend"));
        assertEquals(List.of(ip("10.0.1.5")), names.addresses("WWW.Frontend"), "alias, any case");
        assertEquals(List.of(ip("10.0.2.9")), names.addresses("db.backend"));
        assertEquals(List.of(), names.addresses("web.backend"), "web is not on backend");
        assertEquals(List.of(), names.addresses("db.frontend"));
        assertEquals(List.of(ip("10.0.1.7")), names.addresses("api.frontend"), "the qualified name picks one network");
        assertEquals(List.of(ip("10.0.1.7"), ip("10.0.2.7")), names.addresses("api"), "the bare name: both");
        assertEquals(List.of(), names.addresses("web.elsewhere"), "a network the sandbox is not on");
    }

    @Test
    void addressesWhoseNameIsNoHostNameAreLocalButNameless() {
        String longLabel = "x".repeat(64);
        var names = EndpointNames.of(Map.of("net", List.of(ep(longLabel, "10.0.1.5"), ep("my app", "10.0.1.6"),
                ep("fine_name-1", "10.0.1.7"))));
        assertEquals(Optional.empty(), names.name(ip("10.0.1.5")));
        assertEquals(Optional.empty(), names.name(ip("10.0.1.6")));
        assertTrue(names.isLocal(ip("10.0.1.5")));
        assertEquals(Optional.of("fine_name-1"), names.name(ip("10.0.1.7")));
        assertFalse(names.isLocal(ip("10.0.9.9")));
    }

    @Test
    void hostNameRules() {
        for (String ok : List.of("web", "web.frontend", "a_b-c", "x".repeat(63), "a." + "b".repeat(63))) {
            assertTrue(DnsNames.isHostName(ok), ok);
        }
        for (String bad : List.of("", "x".repeat(64), "a..b", ".a", "a.", "-a", "a.-b", "my app", "wéb",
                ("a".repeat(50) + ".").repeat(5) + "abc")) {
            assertFalse(DnsNames.isHostName(bad), bad);
        }
    }

    @Test
    void resolvesOverRealUdpIncludingQualifiedNamesAndAlwaysAnswersPtr() throws Exception {
        var names = EndpointNames.of(Map.of("frontend", List.of(ep("api", "10.0.1.7", "backend"),
                ep("x".repeat(64), "10.0.1.8"))));
        try (var loop = new DnsLoop();
             var server = new EmbeddedDnsServer(names, DnsConfig.withUpstreams(List.of()), loop.loop())) {
            server.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (var c = new DnsTestClient(server.localAddress())) {
                assertEquals(List.of("10.0.1.7"), c.query("backend.", DnsRecordType.A).values());
                assertEquals(List.of("10.0.1.7"), c.query("api.frontend", DnsRecordType.A).values());
                assertEquals(DnsResponseCode.NXDOMAIN, c.query("api.backend", DnsRecordType.A).code());
                assertEquals(List.of("api."), c.query("7.1.0.10.in-addr.arpa", DnsRecordType.PTR).values());
                // Before: building the PTR record threw (label > 63) and the client heard nothing until its timeout.
                var nameless = c.query("8.1.0.10.in-addr.arpa", DnsRecordType.PTR);
                assertEquals(DnsResponseCode.NXDOMAIN, nameless.code());
                assertEquals(List.of(), nameless.values());
            }
        }
    }
}
