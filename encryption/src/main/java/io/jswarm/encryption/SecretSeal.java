package io.jswarm.encryption;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keeps a secret (a join token's) out of files that are copied, backed up and replicated, such as the
 * manager's command log and snapshots: what they hold is AES-256-GCM ciphertext, and the key lives in one
 * owner-only file next to the CA's private key ({@code swarm/ca/}), which every manager needs anyway.
 * The context (cluster and role) is authenticated data, so a sealed worker secret cannot be replayed as
 * the manager's. Sealed form: 12-byte nonce, then ciphertext and tag.
 */
public final class SecretSeal {
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random;

    /** @param random the nonces' source (injected, as every source of chance is) */
    public SecretSeal(byte[] key, SecureRandom random) {
        if (key == null || key.length != KEY_BYTES) {
            throw new IllegalArgumentException("a seal key is " + KEY_BYTES + " bytes");
        }
        this.key = new SecretKeySpec(key.clone(), "AES");
        this.random = random;
    }

    /**
     * The seal whose key is in {@code keyFile} (base64, owner-only), made (0600 in a 0700 directory) on first
     * use. A key file readable by others is refused: the secrets would be as open as the file.
     */
    /** Issue 12: the raw key in {@code keyFile} (as {@link #loadOrCreate} reads it), for a new manager's bundle. */
    public static byte[] readKey(Path keyFile) throws IOException {
        byte[] k;
        try {
            k = Base64.getDecoder().decode(SecureFiles.read(keyFile).strip());
        } catch (IllegalArgumentException e) {
            throw new IOException("seal key " + keyFile + " is not base64", e);
        }
        if (k.length != KEY_BYTES) {
            throw new IOException("seal key " + keyFile + " has " + k.length + " bytes, not " + KEY_BYTES);
        }
        return k;
    }

    /** Issue 12: writes a key received from another manager where {@link #loadOrCreate} finds it (0600, dir 0700). */
    public static void writeKey(Path keyFile, byte[] key) throws IOException {
        if (key == null || key.length != KEY_BYTES) {
            throw new IllegalArgumentException("a seal key is " + KEY_BYTES + " bytes");
        }
        SecureFiles.writeOwnerOnly(keyFile, Base64.getEncoder().encodeToString(key) + "\n");
    }

    public static SecretSeal loadOrCreate(Path keyFile, SecureRandom random) throws IOException {
        if (!Files.exists(keyFile)) {
            byte[] k = new byte[KEY_BYTES];
            random.nextBytes(k);
            SecureFiles.writeOwnerOnly(keyFile, Base64.getEncoder().encodeToString(k) + "\n");
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(keyFile);
        if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
            throw new IOException("seal key " + keyFile + " is accessible by other users; it must be owner-only (0600)");
        }
        byte[] k;
        try {
            k = Base64.getDecoder().decode(SecureFiles.read(keyFile).strip());
        } catch (IllegalArgumentException e) {
            throw new IOException("seal key " + keyFile + " is not base64", e);
        }
        if (k.length != KEY_BYTES) {
            throw new IOException("seal key " + keyFile + " has " + k.length + " bytes, not " + KEY_BYTES);
        }
        return new SecretSeal(k, random);
    }

    public byte[] seal(String secret, String context) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher c = cipher(Cipher.ENCRYPT_MODE, nonce, context);
            byte[] body = c.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(NONCE_BYTES + body.length).put(nonce).put(body).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** The secret; a wrong key, context or a changed byte is refused (the message never holds the secret). */
    public String open(byte[] sealed, String context) {
        if (sealed == null || sealed.length <= NONCE_BYTES) {
            throw new IllegalArgumentException("not a sealed secret");
        }
        try {
            Cipher c = cipher(Cipher.DECRYPT_MODE, java.util.Arrays.copyOf(sealed, NONCE_BYTES), context);
            return new String(c.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalArgumentException("sealed secret does not open with this key and context");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    private Cipher cipher(int mode, byte[] nonce, String context) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
        c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
        return c;
    }
}
