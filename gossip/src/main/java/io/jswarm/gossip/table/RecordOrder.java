package io.jswarm.gossip.table;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A total order on {@link EndpointRecord}s by a fixed byte encoding, for breaking ties between equal versions.
 * Every replica, in every version of jswarm, must pick the same winner, so the order cannot rest on anything
 * that may change between releases ({@code toString()}, the protobuf encoding as fields are added): the layout
 * below is frozen. Fields in declaration order, each as: strings as a 2-byte big-endian length then UTF-8,
 * the alias list as a 1-byte count then each string, addresses as a 1-byte length (4 or 16) then the address
 * bytes. Compared as unsigned bytes.
 */
final class RecordOrder {
    private RecordOrder() {
    }

    static int compare(EndpointRecord a, EndpointRecord b) {
        return Arrays.compareUnsigned(canonical(a), canonical(b));
    }

    static byte[] canonical(EndpointRecord r) {
        var out = new ByteArrayOutputStream(128);
        string(out, r.name());
        out.write(r.aliases().size()); // at most MAX_ALIASES (32)
        r.aliases().forEach(a -> string(out, a));
        address(out, r.ip());
        string(out, r.mac());
        address(out, r.vtep());
        string(out, r.ownerNode());
        return out.toByteArray();
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8); // at most 255 chars: at most 765 bytes
        out.write(b.length >>> 8);
        out.write(b.length);
        out.writeBytes(b);
    }

    private static void address(ByteArrayOutputStream out, InetAddress a) {
        byte[] b = a.getAddress();
        out.write(b.length);
        out.writeBytes(b);
    }
}
