package io.jswarm.vxlan;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The outbound ESP keys this host has ever installed (issue 11), so that none is installed twice.
 *
 * <p>Why: rfc4106 GCM's nonce is the salt plus the SA's sequence number, and a new SA starts counting at 1. An
 * outbound SA that is written again with a key it had before (after someone deleted it by hand, a hard expire, a
 * reboot that emptied the kernel) would encrypt new packets under nonces already used with that key, which breaks
 * GCM's confidentiality and integrity; and the peer's replay window, which remembers the old sequence numbers,
 * drops them anyway (seen on the guests: XfrmInStateSeqError). So a lost outbound SA is never put back: the pair
 * stays blocked (no plaintext) and the agent asks for a key rotation, whose fresh keys restore it. Inbound SAs are
 * safe to write again (the receiver never encrypts with them).
 *
 * <p>Only fingerprints are kept (SHA-256 of the key, 128 bits), never keys. The daemon's implementation is durable
 * ({@code agent.net.SentKeysFile}, owner-only, in the state directory, which survives reboots); {@link #inMemory()}
 * is for hosts without one (tests, benchmarks). Called under the data plane's lock only.
 */
public interface SentKeys {

    /** Whether {@code key} was recorded before. */
    boolean contains(byte[] key);

    /** An outbound key and its generation (the generation only decides when it may be forgotten). */
    record Sent(int generation, byte[] key) {
    }

    /** Records keys before they are installed; durable when it returns. */
    void record(List<Sent> keys) throws IOException;

    /** Forgets keys that never reached the kernel (their write was refused): they were never used. */
    void forget(List<Sent> keys) throws IOException;

    /** Forgets keys of generations older than {@code oldestLive} (retired: never desired again). */
    void retainFrom(int oldestLive) throws IOException;

    /** The hex fingerprint stored for {@code key}. */
    static String fingerprint(byte[] key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key);
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing", e);
        }
    }

    /** A ledger that lives as long as the process. */
    static SentKeys inMemory() {
        return new SentKeys() {
            private final Map<String, Integer> seen = new HashMap<>();

            @Override
            public boolean contains(byte[] key) {
                return seen.containsKey(fingerprint(key));
            }

            @Override
            public void record(List<Sent> keys) {
                keys.forEach(k -> seen.put(fingerprint(k.key()), k.generation()));
            }

            @Override
            public void forget(List<Sent> keys) {
                keys.forEach(k -> seen.remove(fingerprint(k.key())));
            }

            @Override
            public void retainFrom(int oldestLive) {
                seen.values().removeIf(g -> g < oldestLive);
            }
        };
    }
}
