package io.jswarm.gossip.table;

import static io.jswarm.gossip.table.Fixtures.del;
import static io.jswarm.gossip.table.Fixtures.ip;
import static io.jswarm.gossip.table.Fixtures.up;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.jswarm.proto.table.TableDigest;
import io.jswarm.proto.table.TableEntry;
import io.jswarm.proto.table.TableEventMessage;
import io.jswarm.proto.table.TablePage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TableCodecTest {

    @Test
    void eventsRoundTripThroughBytes() throws InvalidProtocolBufferException {
        var v6 = new TableEvent.Upserted("ep6", new Version(9, "b"), new EndpointRecord("web.1", List.of("web", "www"),
                ip("fd00::5"), "02:42:AC:11:00:02", ip("fd00::1"), "b"));
        for (TableEvent e : List.of(up("ep", 3, "a", "n"), del("ep", 4, "a"), v6)) {
            var bytes = TableCodec.toMessage("net1", e).toByteArray();
            var msg = TableEventMessage.parseFrom(bytes);
            assertEquals("net1", msg.getNetworkId());
            assertEquals(e, TableCodec.fromProto(msg.getEntry()));
        }
        assertEquals("02:42:ac:11:00:02", v6.record().mac(), "MAC normalised");
    }

    @Test
    void digestRoundTrips() throws InvalidProtocolBufferException {
        var d = new Digest(List.of(1L, -1L, Long.MIN_VALUE, 0L));
        var proto = TableDigest.parseFrom(TableCodec.toProto("n", d).toByteArray());
        assertEquals(d, TableCodec.fromProto(proto));
        assertThrows(IllegalArgumentException.class,
                () -> TableCodec.fromProto(TableDigest.newBuilder().addBucketHashes(1).addBucketHashes(2).addBucketHashes(3).build()));
    }

    @Test
    void malformedEntriesAreRejected() {
        var good = TableCodec.toProto(up("ep", 1, "a", "n"));
        assertThrows(IllegalArgumentException.class, () -> TableCodec.fromProto(good.toBuilder().clearVersion().build()));
        assertThrows(IllegalArgumentException.class, () -> TableCodec.fromProto(good.toBuilder().clearEndpoint().build()));
        assertThrows(IllegalArgumentException.class, () -> TableCodec.fromProto(good.toBuilder()
                .setEndpoint(good.getEndpoint().toBuilder().setIp(ByteString.copyFrom(new byte[5]))).build()));
        assertThrows(IllegalArgumentException.class, () -> TableCodec.fromProto(good.toBuilder()
                .setEndpoint(good.getEndpoint().toBuilder().setOwnerNode("someone-else")).build()));
        assertThrows(IllegalArgumentException.class, () -> TableCodec.fromProto(good.toBuilder()
                .setEndpoint(good.getEndpoint().toBuilder().setMac("zz")).build()));
    }

    @Test
    void pagesRespectTheCapsAndReassembleCompletely() throws InvalidProtocolBufferException {
        var rnd = new Random(42);
        var events = new ArrayList<TableEvent>();
        for (int i = 0; i < 3000; i++) {
            int aliases = rnd.nextInt(33);
            var names = new ArrayList<String>();
            for (int k = 0; k < aliases; k++) {
                names.add("alias-" + k + "-" + "x".repeat(rnd.nextInt(200)));
            }
            var rec = new EndpointRecord("task-" + i, names, ip("10.1." + (i / 250) + "." + (i % 250 + 1)),
                    "02:42:00:00:00:01", ip("192.168.1.1"), "owner" + (i % 7));
            events.add(rnd.nextInt(5) == 0 ? new TableEvent.Deleted("ep" + i, new Version(i + 1, "owner" + (i % 7)),
                    Duration.ofMillis(rnd.nextInt(1_000_000)))
                    : new TableEvent.Upserted("ep" + i, new Version(i + 1, "owner" + (i % 7)), rec));
        }
        var limits = new PageLimits(500, 128 * 1024);
        var pages = TableCodec.paginate("net1", events, limits);
        assertTrue(pages.size() > 10, "several pages: " + pages.size());
        var reassembled = new ArrayList<TableEvent>();
        for (int i = 0; i < pages.size(); i++) {
            var bytes = TableCodec.toProto(pages.get(i)).toByteArray();
            assertTrue(bytes.length <= limits.maxBytes(), "page " + i + " is " + bytes.length + " bytes");
            var page = TableCodec.fromProto(TablePage.parseFrom(bytes));
            assertTrue(page.events().size() <= limits.maxEntries());
            assertFalse(page.events().isEmpty());
            assertEquals(i, page.index());
            assertEquals(i == pages.size() - 1, page.last());
            reassembled.addAll(page.events());
        }
        assertEquals(events, reassembled);

        // Pages may arrive in any order: merging them shuffled yields the same table.
        var direct = Fixtures.table("r1");
        direct.mergeAll(events, Fixtures.T0);
        var paged = Fixtures.table("r2");
        var shuffled = new ArrayList<>(pages);
        Collections.shuffle(shuffled, rnd);
        shuffled.forEach(p -> paged.mergeAll(p.events(), Fixtures.T0));
        assertEquals(direct.snapshot(Fixtures.T0), paged.snapshot(Fixtures.T0));
    }

    @Test
    void entryCapIsRespectedAndEmptyStateIsOneLastPage() {
        var events = new ArrayList<TableEvent>();
        for (int i = 0; i < 10; i++) {
            events.add(up("ep" + i, i + 1, "a", "n"));
        }
        var pages = TableCodec.paginate("net1", events, new PageLimits(3, PageLimits.MIN_BYTES));
        assertEquals(List.of(3, 3, 3, 1), pages.stream().map(p -> p.events().size()).toList());
        var empty = TableCodec.paginate("net1", List.of(), PageLimits.DEFAULT);
        assertEquals(List.of(new Page("net1", 0, true, List.of())), empty);
    }

    @Test
    void largestPossibleEntryFitsTheSmallestPage() {
        String big = "€".repeat(EndpointRecord.MAX_NAME_LENGTH);
        var aliases = Collections.nCopies(EndpointRecord.MAX_ALIASES, big);
        var rec = new EndpointRecord(big, aliases, ip("fd00::1"), "02:00:00:00:00:01", ip("fd00::2"), big);
        var e = new TableEvent.Upserted(big, new Version(Long.MAX_VALUE, big), rec);
        assertTrue(TableCodec.toProto(e).getSerializedSize() > 25_000, "really the worst case");
        var pages = TableCodec.paginate("n".repeat(255), List.of(e, e, e), new PageLimits(100, PageLimits.MIN_BYTES));
        assertEquals(2, pages.size(), "two fit in the smallest page, the third does not");
        for (var p : pages) {
            assertTrue(TableCodec.toProto(p).getSerializedSize() <= PageLimits.MIN_BYTES);
        }
        assertThrows(IllegalArgumentException.class, () -> new PageLimits(1, PageLimits.MIN_BYTES - 1));
        assertEquals(TableEntry.StateCase.ENDPOINT, TableCodec.toProto(e).getStateCase());
    }
}
