package io.jswarm.gossip.table;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The bytes an owner signs for one of its entries, in a frozen layout (never the protobuf encoding, which may
 * change as fields are added): a domain tag, the network id, the endpoint id, the version (lamport as 8 bytes
 * big-endian, owner), a deleted flag, for an upsert {@link RecordOrder#canonical} plus the allocation index,
 * then the grant's bytes and CA signature. Not signed: a tombstone's residual reap time, which every relay
 * lowers (a receiver caps it by its own reap interval anyway).
 */
public final class EntrySigning {
    private static final byte[] TAG = "jswarm-table-entry-v1".getBytes(StandardCharsets.US_ASCII);

    private EntrySigning() {
    }

    public static byte[] signedBytes(String networkId, TableEvent e) {
        var out = new ByteArrayOutputStream(256);
        out.writeBytes(TAG);
        string(out, networkId);
        string(out, e.endpointId());
        longBytes(out, e.version().lamport());
        string(out, e.version().owner());
        switch (e) {
            case TableEvent.Upserted u -> {
                out.write(0);
                byte[] r = RecordOrder.canonical(u.record());
                longBytes(out, r.length);
                out.writeBytes(r);
                longBytes(out, u.record().allocation());
            }
            case TableEvent.Deleted d -> out.write(1);
        }
        bytes(out, e.seal().grant().getGrant().toByteArray());
        bytes(out, e.seal().grant().getCaSignature().toByteArray());
        return out.toByteArray();
    }

    private static void string(ByteArrayOutputStream out, String s) {
        bytes(out, s.getBytes(StandardCharsets.UTF_8));
    }

    private static void bytes(ByteArrayOutputStream out, byte[] b) {
        longBytes(out, b.length);
        out.writeBytes(b);
    }

    private static void longBytes(ByteArrayOutputStream out, long v) {
        for (int i = 7; i >= 0; i--) {
            out.write((int) (v >>> (8 * i)));
        }
    }
}
