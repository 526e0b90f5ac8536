package io.jswarm.agent.net;

import io.jswarm.vxlan.SentKeys;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The daemon's {@link SentKeys}: {@code <data-root>/networks/ipsec-sent-keys}, one line {@code GENERATION FINGERPRINT}
 * per outbound ESP key this node ever installed (fingerprints only: 128 bits of SHA-256, never a key). In the state
 * directory, not the run directory, because a reboot empties the kernel's SAs but must not let the agent write them
 * again with their old keys. Written (temp file, fsync, rename) before the keys reach the kernel; owner-only.
 * Called under the data plane's lock only.
 */
final class SentKeysFile implements SentKeys {
    private final Path file;
    private Map<String, Integer> seen;

    SentKeysFile(Path dir) {
        this.file = dir.resolve("ipsec-sent-keys");
    }

    @Override
    public boolean contains(byte[] key) {
        return loaded().containsKey(SentKeys.fingerprint(key));
    }

    @Override
    public void record(java.util.List<Sent> keys) throws IOException {
        Map<String, Integer> next = new LinkedHashMap<>(loaded());
        keys.forEach(k -> next.put(SentKeys.fingerprint(k.key()), k.generation()));
        save(next);
    }

    @Override
    public void forget(java.util.List<Sent> keys) throws IOException {
        Map<String, Integer> next = new LinkedHashMap<>(loaded());
        keys.forEach(k -> next.remove(SentKeys.fingerprint(k.key())));
        save(next);
    }

    @Override
    public void retainFrom(int oldestLive) throws IOException {
        Map<String, Integer> next = new LinkedHashMap<>(loaded());
        if (next.values().removeIf(g -> g < oldestLive)) {
            save(next);
        }
    }

    private Map<String, Integer> loaded() {
        if (seen == null) {
            Map<String, Integer> m = new LinkedHashMap<>();
            try {
                if (Files.exists(file)) {
                    for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                        String[] f = line.strip().split(" ");
                        if (f.length == 2 && f[1].matches("[0-9a-f]{32}")) {
                            m.put(f[1], Integer.parseInt(f[0]));
                        }
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // Unreadable: treat as empty would allow a key twice; refuse every outbound write instead.
                throw new IllegalStateException("cannot read " + file + ": " + e, e);
            }
            seen = m;
        }
        return seen;
    }

    private void save(Map<String, Integer> next) throws IOException {
        Files.createDirectories(file.getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        StringBuilder text = new StringBuilder();
        next.forEach((fp, g) -> text.append(g).append(' ').append(fp).append('\n'));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.US_ASCII)));
            ch.force(true); // durable before the kernel sees the keys
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        seen = next;
    }
}
