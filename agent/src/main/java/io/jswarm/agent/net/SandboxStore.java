package io.jswarm.agent.net;

import io.jswarm.proto.cluster.LocalSandboxes;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The sandboxes this node made or was handed, in {@code <data-root>/networks/sandboxes.pb}: what a restarted
 * agent needs to put its endpoints back (the manager knows the endpoints, but not which namespace holds them).
 * Written atomically (temp file + rename) after every change; not thread-safe (the agent serialises calls).
 */
final class SandboxStore {
    private final Path file;

    SandboxStore(Path dir) {
        this.file = dir.resolve("sandboxes.pb");
    }

    /** The saved state; a missing file is the empty state. */
    LocalSandboxes load() throws IOException {
        return Files.exists(file) ? LocalSandboxes.parseFrom(Files.readAllBytes(file)) : LocalSandboxes.getDefaultInstance();
    }

    void save(LocalSandboxes state) throws IOException {
        Files.createDirectories(file.getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        // Owner-only, like every file in the data root (it names this node's sandboxes and addresses).
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(tmp, state.toByteArray());
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
