package io.jswarm.encryption.esp;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The key of one ESP SA (one direction of one node pair, one generation): 20 bytes as rfc4106(gcm(aes))
 * takes them (a 16-byte AES key, then the 4-byte salt), and the SA's SPI. {@link #toString} never prints the
 * key; {@link #key} hands out a copy.
 */
public final class EspKey {
    public static final int KEY_BYTES = 20;

    private final byte[] key;
    private final int spi;

    public EspKey(byte[] key, int spi) {
        if (key == null || key.length != KEY_BYTES) {
            throw new IllegalArgumentException("an ESP key is " + KEY_BYTES + " bytes (AES-128 key + 4-byte salt)");
        }
        this.key = key.clone();
        this.spi = spi;
    }

    /** A copy of the 20 key bytes. */
    public byte[] key() {
        return key.clone();
    }

    public int spi() {
        return spi;
    }

    @Override
    public boolean equals(Object o) {
        // Constant time: equality of keys is not something to leak through timing either.
        return o instanceof EspKey k && k.spi == spi && MessageDigest.isEqual(k.key, key);
    }

    @Override
    public int hashCode() {
        return Integer.hashCode(spi) * 31 + Arrays.hashCode(key);
    }

    @Override
    public String toString() {
        return "EspKey[spi=0x" + Integer.toHexString(spi) + ", key=<redacted>]";
    }
}
