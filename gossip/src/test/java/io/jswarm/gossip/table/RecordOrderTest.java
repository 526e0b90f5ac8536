package io.jswarm.gossip.table;

import static io.jswarm.gossip.table.Fixtures.T0;
import static io.jswarm.gossip.table.Fixtures.ip;
import static io.jswarm.gossip.table.Fixtures.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordOrderTest {
    // Equal but for the address: as text "/10.0.1.9" sorts after "/10.0.1.10", as bytes 9 sorts before 10.
    private static final EndpointRecord NINE = at("10.0.1.9");
    private static final EndpointRecord TEN = at("10.0.1.10");

    private static EndpointRecord at(String address) {
        return new EndpointRecord("web", List.of(), ip(address), "02:42:0a:00:01:05", ip("192.168.0.1"), "a");
    }

    private static TableEvent.Upserted up(EndpointRecord r) {
        return new TableEvent.Upserted("ep", new Version(7, "a"), r);
    }

    @Test
    void anEqualVersionTieGoesToTheLargerCanonicalBytesNotTheLargerText() {
        assertTrue(NINE.toString().compareTo(TEN.toString()) > 0, "premise: the text order is the other way");
        assertTrue(EndpointTable.wins(up(TEN), up(NINE)));
        assertFalse(EndpointTable.wins(up(NINE), up(TEN)));
    }

    @Test
    void everyArrivalOrderKeepsTheSameWinner() {
        var first = table("r");
        first.merge(up(NINE), T0);
        first.merge(up(TEN), T0);
        var second = table("r");
        second.merge(up(TEN), T0);
        second.merge(up(NINE), T0);
        assertEquals(TEN, first.visible().get("ep"));
        assertEquals(TEN, second.visible().get("ep"));
    }

    /** The layout is frozen: a change here changes which record older versions of jswarm pick. */
    @Test
    void theCanonicalEncodingIsPinned() {
        var r = new EndpointRecord("web", List.of("w"), ip("10.0.1.9"), "02:42:0A:00:01:05", ip("192.168.0.1"), "a");
        assertEquals("0003776562" + "01" + "000177" + "040a000109" + "0011" + HexFormat.of().formatHex(
                        "02:42:0a:00:01:05".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                        + "04c0a80001" + "000161",
                HexFormat.of().formatHex(RecordOrder.canonical(r)));
    }

    @Test
    void theOrderIsTotalAndConsistentWithEquals() {
        assertEquals(0, RecordOrder.compare(NINE, at("10.0.1.9")));
        assertTrue(RecordOrder.compare(at("10.0.1.9"), new EndpointRecord("web", List.of(), ip("2001:db8::9"),
                "02:42:0a:00:01:05", ip("192.168.0.1"), "a")) < 0, "a 4-byte address sorts before a 16-byte one");
    }
}
