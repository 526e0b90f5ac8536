package io.jswarm.gossip.table;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.jswarm.proto.table.Endpoint;
import io.jswarm.proto.table.TableDigest;
import io.jswarm.proto.table.TableEntry;
import io.jswarm.proto.table.TableEventMessage;
import io.jswarm.proto.table.TablePage;
import io.jswarm.proto.table.Tombstone;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts the table's value types to and from their protobuf messages ({@code jswarm/table.proto}), and
 * splits bulk state into pages bounded by {@link PageLimits}. Decoding validates through the records'
 * constructors, so a malformed message fails with {@link IllegalArgumentException}.
 */
public final class TableCodec {

    private TableCodec() {
    }

    // ---- entries ----

    public static TableEntry toProto(TableEvent event) {
        var b = TableEntry.newBuilder()
                .setEndpointId(event.endpointId())
                .setVersion(io.jswarm.proto.table.Version.newBuilder()
                        .setLamport(event.version().lamport())
                        .setOwner(event.version().owner()));
        switch (event) {
            case TableEvent.Upserted u -> b.setEndpoint(toProto(u.record()));
            case TableEvent.Deleted d -> b.setTombstone(Tombstone.newBuilder()
                    .setResidualReapMillis(d.residualReap().toMillis()));
        }
        Seal seal = event.seal();
        if (seal.hasGrant()) {
            b.setGrant(seal.grant());
        }
        if (seal.signed()) {
            b.setOwnerSignature(seal.signature());
        }
        return b.build();
    }

    public static TableEvent fromProto(TableEntry entry) {
        if (!entry.hasVersion()) {
            throw new IllegalArgumentException("table entry without version: " + entry.getEndpointId());
        }
        var version = new Version(entry.getVersion().getLamport(), entry.getVersion().getOwner());
        var seal = new Seal(entry.getGrant(), entry.getOwnerSignature());
        long reapMillis = entry.getTombstone().getResidualReapMillis();
        return switch (entry.getStateCase()) {
            case ENDPOINT -> new TableEvent.Upserted(entry.getEndpointId(), version, fromProto(entry.getEndpoint()),
                    seal);
            // uint64 on the wire: a value above 2^63-1 reads negative and is refused by the record
            case TOMBSTONE -> new TableEvent.Deleted(entry.getEndpointId(), version,
                    Duration.ofMillis(reapMillis), seal);
            case STATE_NOT_SET -> throw new IllegalArgumentException("table entry without state: " + entry.getEndpointId());
        };
    }

    public static Endpoint toProto(EndpointRecord r) {
        return Endpoint.newBuilder()
                .setName(r.name())
                .addAllAliases(r.aliases())
                .setIp(ByteString.copyFrom(r.ip().getAddress()))
                .setMac(r.mac())
                .setVtep(ByteString.copyFrom(r.vtep().getAddress()))
                .setOwnerNode(r.ownerNode())
                .setAllocation(r.allocation())
                .build();
    }

    public static EndpointRecord fromProto(Endpoint e) {
        return new EndpointRecord(e.getName(), e.getAliasesList(), address(e.getIp(), "ip"), e.getMac(),
                address(e.getVtep(), "vtep"), e.getOwnerNode(), e.getAllocation());
    }

    private static InetAddress address(ByteString bytes, String what) {
        if (bytes.size() != 4 && bytes.size() != 16) {
            throw new IllegalArgumentException(what + " must be 4 or 16 bytes: " + bytes.size());
        }
        try {
            return InetAddress.getByAddress(bytes.toByteArray()); // raw bytes: no name lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(what, e);
        }
    }

    // ---- messages ----

    public static TableEventMessage toMessage(String networkId, TableEvent event) {
        return TableEventMessage.newBuilder().setNetworkId(networkId).setEntry(toProto(event)).build();
    }

    public static TableDigest toProto(String networkId, Digest digest) {
        return TableDigest.newBuilder().setNetworkId(networkId).addAllBucketHashes(digest.bucketHashes()).build();
    }

    public static Digest fromProto(TableDigest digest) {
        return new Digest(digest.getBucketHashesList());
    }

    public static TablePage toProto(Page page) {
        var b = TablePage.newBuilder().setNetworkId(page.networkId()).setIndex(page.index()).setLast(page.last());
        page.events().forEach(e -> b.addEntries(toProto(e)));
        return b.build();
    }

    public static Page fromProto(TablePage page) {
        var events = new ArrayList<TableEvent>(page.getEntriesCount());
        page.getEntriesList().forEach(e -> events.add(fromProto(e)));
        return new Page(page.getNetworkId(), page.getIndex(), page.getLast(), events);
    }

    // ---- paging ----

    /**
     * Splits events into pages of at most {@code limits.maxEntries()} entries and {@code limits.maxBytes()}
     * encoded bytes each. Always returns at least one page (an empty last page says "nothing to send", which
     * still completes the exchange). Entry sizes are bounded by {@link EndpointRecord}, and
     * {@link PageLimits#MIN_BYTES} exceeds the largest one, so every entry fits.
     */
    public static List<Page> paginate(String networkId, List<TableEvent> events, PageLimits limits) {
        // Header fields (network id, index, last) are counted at their largest encodings.
        int header = TablePage.newBuilder().setNetworkId(networkId).setIndex(Integer.MAX_VALUE).setLast(true)
                .build().getSerializedSize();
        var pages = new ArrayList<List<TableEvent>>();
        var current = new ArrayList<TableEvent>();
        int bytes = header;
        for (TableEvent e : events) {
            int size = CodedOutputStream.computeMessageSize(TablePage.ENTRIES_FIELD_NUMBER, toProto(e));
            if (header + size > limits.maxBytes()) {
                throw new IllegalStateException("entry " + e.endpointId() + " alone exceeds the page cap");
            }
            if (!current.isEmpty() && (current.size() == limits.maxEntries() || bytes + size > limits.maxBytes())) {
                pages.add(current);
                current = new ArrayList<>();
                bytes = header;
            }
            current.add(e);
            bytes += size;
        }
        pages.add(current);
        var out = new ArrayList<Page>(pages.size());
        for (int i = 0; i < pages.size(); i++) {
            out.add(new Page(networkId, i, i == pages.size() - 1, pages.get(i)));
        }
        return out;
    }
}
