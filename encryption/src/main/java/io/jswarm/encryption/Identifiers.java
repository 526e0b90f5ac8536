package io.jswarm.encryption;

import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * Random identifiers in Docker's shape: 25 lowercase base-36 characters (about 128 bits), used for node
 * ids and cluster ids. Unguessable, so an id alone never grants anything, but not secret either.
 */
public final class Identifiers {
    static final SecureRandom RANDOM = new SecureRandom();
    private static final int LENGTH = 25;

    private Identifiers() {
    }

    public static String newId() {
        return base36(128, LENGTH);
    }

    /** {@code bits} random bits in base 36, left-padded with '0' to {@code width}. */
    static String base36(int bits, int width) {
        return pad(new BigInteger(bits, RANDOM).toString(36), width);
    }

    static String pad(String s, int width) {
        return s.length() >= width ? s : "0".repeat(width - s.length()) + s;
    }

    /** Whether {@code id} has the shape {@link #newId()} produces. */
    public static boolean isValid(String id) {
        return id != null && id.matches("[0-9a-z]{" + LENGTH + "}");
    }
}
