package io.jswarm.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A sandbox whose networks are all internal never has a name forwarded to the host's resolvers (Docker: an
 * internal network has no external DNS): unknown names and addresses get REFUSED, local names still resolve.
 * The upstream is an embedded resolver that knows the external name, so a forwarded query would come back
 * with its address: the REFUSED answer itself proves nothing was forwarded, without waiting for silence.
 */
class InternalNetworkDnsTest {
    private static final InetSocketAddress LOOPBACK_ANY = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private static final Map<String, List<String>> NET = Map.of("db", List.of("10.0.1.9"));

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final DnsLoop loop = new DnsLoop();

    @AfterEach
    void closeAll() throws Exception {
        try {
            for (AutoCloseable c : closeables.reversed()) {
                c.close();
            }
        } finally {
            loop.close();
        }
    }

    private static NameLookup internalOnly(NameLookup names) {
        return new NameLookup() {
            @Override
            public List<Inet4Address> addresses(String name) {
                return names.addresses(name);
            }

            @Override
            public Optional<String> name(InetAddress address) {
                return names.name(address);
            }

            @Override
            public boolean forwards() {
                return false;
            }
        };
    }

    private EmbeddedDnsServer server(NameLookup lookup, DnsConfig config) throws Exception {
        var s = new EmbeddedDnsServer(lookup, config, loop.loop());
        closeables.add(s);
        s.start(LOOPBACK_ANY);
        return s;
    }

    private DnsTestClient client(EmbeddedDnsServer s) throws Exception {
        var c = new DnsTestClient(s.localAddress());
        closeables.add(c);
        return c;
    }

    @Test
    void internalOnlySandboxGetsRefusedForEveryExternalQueryAndStillResolvesLocalNames() throws Exception {
        var upstream = server(EmbeddedDnsServerTest.sandbox(Map.of("exfil.example.com", List.of("203.0.113.7"))),
                DnsConfig.withUpstreams(List.of()));
        var config = DnsConfig.withUpstreams(List.of(upstream.localAddress()));

        var open = client(server(EmbeddedDnsServerTest.sandbox(NET), config));
        var forwarded = open.query("exfil.example.com", DnsRecordType.A);
        assertEquals(DnsResponseCode.NOERROR, forwarded.code(), "a non-internal sandbox still forwards");
        assertEquals(List.of("203.0.113.7"), forwarded.values());

        var internal = client(server(internalOnly(EmbeddedDnsServerTest.sandbox(NET)), config));
        for (var q : List.of(new Object[] {"exfil.example.com", DnsRecordType.A},
                new Object[] {"exfil.example.com", DnsRecordType.AAAA},
                new Object[] {"exfil.example.com", DnsRecordType.TXT},
                new Object[] {"7.113.0.203.in-addr.arpa", DnsRecordType.PTR})) {
            var a = internal.query((String) q[0], (DnsRecordType) q[1]);
            assertEquals(DnsResponseCode.REFUSED, a.code(), q[0] + " " + q[1] + " must not be forwarded");
            assertEquals(List.of(), a.values());
        }
        var local = internal.query("db", DnsRecordType.A);
        assertEquals(DnsResponseCode.NOERROR, local.code());
        assertEquals(List.of("10.0.1.9"), local.values(), "names of the sandbox's own networks still resolve");
        assertEquals(List.of("db."), internal.query("9.1.0.10.in-addr.arpa", DnsRecordType.PTR).values());
    }
}
