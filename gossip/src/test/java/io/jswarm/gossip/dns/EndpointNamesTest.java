package io.jswarm.gossip.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.gossip.table.EndpointTable;
import io.jswarm.gossip.table.TableEvent;
import io.jswarm.gossip.table.Version;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EndpointNamesTest {

    private static EndpointRecord rec(String name, String ip, String... aliases) throws Exception {
        return new EndpointRecord(name, List.of(aliases), InetAddress.getByName(ip), "02:42:0a:00:00:01",
                InetAddress.getByName("192.168.0.2"), "node-b");
    }

    @Test
    void indexesNamesAndAliasesOfTheGivenNetworksOnly() throws Exception {
        var front = Map.of("e1", rec("web.1", "10.0.1.5", "web"), "e2", rec("web.2", "10.0.1.6", "Web"));
        var back = Map.of("e3", rec("db", "10.0.2.9"), "e4", rec("v6only", "fd00::9"));
        var other = Map.of("e5", rec("secret", "10.0.3.3"));
        var names = EndpointNames.of(List.of(front, back));
        assertEquals(List.of(InetAddress.getByName("10.0.1.5"), InetAddress.getByName("10.0.1.6")), names.addresses("web"));
        assertEquals(List.of(InetAddress.getByName("10.0.2.9")), names.addresses("DB"));
        assertEquals(List.of(), names.addresses("secret"), "another network's name");
        assertEquals(List.of(), names.addresses("v6only"), "no A record for an IPv6-only endpoint");
        assertEquals(Optional.of("web.2"), names.name(InetAddress.getByName("10.0.1.6")));
        assertEquals(Optional.empty(), names.name(InetAddress.getByName("10.0.3.3")));
        assertEquals(List.of(InetAddress.getByName("10.0.3.3")), EndpointNames.of(List.of(other)).addresses("secret"));
    }

    @Test
    void resolvesWhatATableMakesVisibleOverRealUdp() throws Exception {
        var table = new EndpointTable("net1", "node-a");
        table.merge(new TableEvent.Upserted("e1", new Version(1, "node-b"), rec("api", "10.0.1.7", "backend")), Instant.EPOCH);
        var failed = EndpointNames.of(List.of(tableAfterFailure()));
        try (var server = new EmbeddedDnsServer(EndpointNames.of(List.of(table.visible())), DnsConfig.withUpstreams(List.of()));
             var hidden = new EmbeddedDnsServer(failed, DnsConfig.withUpstreams(List.of()))) {
            server.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            hidden.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (var c = new DnsTestClient(server.localAddress()); var h = new DnsTestClient(hidden.localAddress())) {
                assertEquals(List.of("10.0.1.7"), c.query("backend.", DnsRecordType.A).values());
                assertEquals(List.of("api."), c.query("7.1.0.10.in-addr.arpa", DnsRecordType.PTR).values());
                assertEquals(DnsResponseCode.NXDOMAIN, h.query("backend", DnsRecordType.A).code(), "owner failed: withdrawn");
            }
        }
    }

    private static Map<String, EndpointRecord> tableAfterFailure() throws Exception {
        var t = new EndpointTable("net1", "node-a");
        t.merge(new TableEvent.Upserted("e1", new Version(1, "node-b"), rec("api", "10.0.1.7", "backend")), Instant.EPOCH);
        t.ownerFailed("node-b", Instant.EPOCH);
        return t.visible();
    }
}
