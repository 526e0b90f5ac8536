package io.jswarm.encryption;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Signatures for endpoint grants (by the CA) and table entries (by their owner's entry key): SHA256withECDSA
 * over a domain tag plus the bytes, P-256 keys. The entry key is a node's own, kept next to its certificate
 * and never renewed with it, so grants issued before a certificate renewal stay usable.
 */
public final class Grants {
    static final byte[] GRANT_TAG = "jswarm-endpoint-grant-v1\0".getBytes(StandardCharsets.US_ASCII);
    static final byte[] ENTRY_TAG = "jswarm-table-entry-v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final String KEY_FILE = "entry.key";
    private static final String PUBLIC_FILE = "entry.pub";

    private Grants() {
    }

    /** Whether {@code signature} is the CA's over the grant bytes. */
    public static boolean verifyGrant(PublicKey ca, byte[] grant, byte[] signature) {
        return verify(ca, GRANT_TAG, grant, signature);
    }

    /** The owner's signature over an entry's frozen encoding. */
    public static byte[] signEntry(PrivateKey owner, byte[] entry) {
        return sign(owner, ENTRY_TAG, entry);
    }

    public static boolean verifyEntry(PublicKey owner, byte[] entry, byte[] signature) {
        return verify(owner, ENTRY_TAG, entry, signature);
    }

    /** An EC public key from its X.509 SubjectPublicKeyInfo encoding. */
    public static PublicKey publicKey(byte[] encoded) {
        try {
            return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(encoded));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("bad EC public key: " + e.getMessage(), e);
        }
    }

    /**
     * The node's entry key from {@code dir} ({@code entry.key} 0600, {@code entry.pub}), made on first use.
     */
    public static KeyPair loadOrCreateEntryKey(Path dir) throws IOException {
        Path priv = dir.resolve(KEY_FILE);
        Path pub = dir.resolve(PUBLIC_FILE);
        if (Files.exists(priv) && Files.exists(pub)) {
            PrivateKey k = Pem.parsePrivateKey(SecureFiles.read(priv));
            PublicKey p = publicKey(Base64.getDecoder().decode(SecureFiles.read(pub).strip()));
            return new KeyPair(p, k);
        }
        KeyPair kp = CertificateAuthority.newKeyPair();
        SecureFiles.writeOwnerOnly(pub, Base64.getEncoder().encodeToString(kp.getPublic().getEncoded()) + "\n");
        SecureFiles.writeOwnerOnly(priv, Pem.privateKey(kp.getPrivate()));
        return kp;
    }

    static byte[] sign(PrivateKey key, byte[] tag, byte[] data) {
        try {
            Signature s = Signature.getInstance(CertificateAuthority.SIGNATURE);
            s.initSign(key);
            s.update(tag);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign", e);
        }
    }

    private static boolean verify(PublicKey key, byte[] tag, byte[] data, byte[] signature) {
        try {
            Signature s = Signature.getInstance(CertificateAuthority.SIGNATURE);
            s.initVerify(key);
            s.update(tag);
            s.update(data);
            return s.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false; // a malformed signature or key is a failed verification, never an error
        }
    }
}
