package io.jswarm.encryption.esp;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * Per node pair and per direction ESP keys from one generation's root:
 * {@code HKDF-SHA256(ikm = root, salt = "jswarm-esp-v1", info = utf8(from) 0x00 utf8(to) 0x00 be32(generation))},
 * 20 bytes. Every direction of every pair gets its own key, so a node that is given only the keys of pairs
 * it belongs to learns nothing that decrypts traffic between two other nodes (Swarm shares one key
 * cluster-wide). Node ids are never empty and contain no NUL, so the info encoding is unambiguous.
 * The SPI is the receiver's numbering of the sender ({@link Spi#of}).
 */
public final class EspKeys {
    public static final byte[] SALT = "jswarm-esp-v1".getBytes(StandardCharsets.US_ASCII);

    /** A node as the key derivation sees it: its id (bound into the key) and data index (the SPI). */
    public record Node(String id, int index) {
        public Node {
            Objects.requireNonNull(id, "id");
            if (id.isEmpty() || id.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("a node id is non-empty and has no NUL");
            }
            if (index < 1 || index > Spi.MAX_INDEX) {
                throw new IllegalArgumentException("data index " + index + " is outside 1.." + Spi.MAX_INDEX);
            }
        }
    }

    private EspKeys() {
    }

    /** The key and SPI of the SA that carries {@code from} → {@code to} traffic at {@code generation}. */
    public static EspKey derive(DataKeyRoot root, int generation, Node from, Node to) {
        Objects.requireNonNull(root, "root");
        if (from.id().equals(to.id())) {
            throw new IllegalArgumentException("no SA from a node to itself (" + from.id() + ")");
        }
        int spi = Spi.of(from.index(), generation);
        byte[] a = from.id().getBytes(StandardCharsets.UTF_8);
        byte[] b = to.id().getBytes(StandardCharsets.UTF_8);
        byte[] info = ByteBuffer.allocate(a.length + 1 + b.length + 1 + 4)
                .put(a).put((byte) 0).put(b).put((byte) 0).putInt(generation).array();
        byte[] ikm = root.bytes();
        try {
            return new EspKey(hkdf(ikm, SALT, info, EspKey.KEY_BYTES), spi);
        } finally {
            java.util.Arrays.fill(ikm, (byte) 0);
        }
    }

    /** HKDF-SHA256 (RFC 5869) through Bouncy Castle; package-visible so the RFC's vectors test this very path. */
    static byte[] hkdf(byte[] ikm, byte[] salt, byte[] info, int length) {
        HKDFBytesGenerator g = new HKDFBytesGenerator(new SHA256Digest());
        g.init(new HKDFParameters(ikm, salt, info));
        byte[] out = new byte[length];
        g.generateBytes(out, 0, length);
        return out;
    }
}
