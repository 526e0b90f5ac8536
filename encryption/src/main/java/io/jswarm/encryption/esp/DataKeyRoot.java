package io.jswarm.encryption.esp;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.prng.SP800SecureRandomBuilder;

/**
 * One generation's root key material (32 bytes), from which {@link EspKeys} derives every pair's keys. Made
 * by a Bouncy Castle SP 800-90A HMAC-SHA256 DRBG whose entropy comes from the injected source (the OS's
 * {@code SecureRandom} in production, a seeded one in tests); it never leaves the managers. {@link #toString}
 * never prints it.
 */
public final class DataKeyRoot {
    public static final int BYTES = 32;
    private static final byte[] PERSONALIZATION = "jswarm data key root".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final byte[] root;

    private DataKeyRoot(byte[] root) {
        this.root = root;
    }

    /** Fresh root material from a DRBG seeded (and, per request, reseeded: prediction resistance) from {@code entropy}. */
    public static DataKeyRoot generate(SecureRandom entropy) {
        byte[] nonce = new byte[16];
        entropy.nextBytes(nonce);
        SecureRandom drbg = new SP800SecureRandomBuilder(entropy, true).setPersonalizationString(PERSONALIZATION)
                .setEntropyBitsRequired(256).buildHMAC(new HMac(new SHA256Digest()), nonce, true);
        byte[] out = new byte[BYTES];
        drbg.nextBytes(out);
        return new DataKeyRoot(out);
    }

    /** The root read back (from the sealed state); exactly 32 bytes. */
    public static DataKeyRoot of(byte[] bytes) {
        if (bytes == null || bytes.length != BYTES) {
            throw new IllegalArgumentException("a data key root is " + BYTES + " bytes");
        }
        return new DataKeyRoot(bytes.clone());
    }

    /** The form {@code SecretSeal} seals (it takes text): base64 of the bytes. */
    public String encoded() {
        return Base64.getEncoder().encodeToString(root);
    }

    public static DataKeyRoot decode(String encoded) {
        try {
            return of(Base64.getDecoder().decode(encoded));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an encoded data key root");
        }
    }

    /** A copy of the 32 bytes. */
    public byte[] bytes() {
        return root.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DataKeyRoot r && MessageDigest.isEqual(r.root, root);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(root);
    }

    @Override
    public String toString() {
        return "DataKeyRoot[<redacted>]";
    }
}
