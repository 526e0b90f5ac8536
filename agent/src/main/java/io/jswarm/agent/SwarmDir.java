package io.jswarm.agent;

import io.jswarm.proto.cluster.LocalNodeState;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The daemon's swarm state under {@code <data-root>/swarm}: {@code state.pb} (which cluster, which role,
 * where the managers are), {@code certificates/} (this node's key and certificate), and on managers
 * {@code ca/} and {@code raft/}. Everything owner-only. A daemon restarting finds here all it needs to
 * rejoin its cluster without a token.
 */
public final class SwarmDir {
    private final Path dir;

    public SwarmDir(Path dataRoot) {
        this.dir = dataRoot.resolve("swarm");
    }

    public Path path() {
        return dir;
    }

    public Path certificates() {
        return dir.resolve("certificates");
    }

    public Optional<LocalNodeState> load() throws IOException {
        Path f = dir.resolve("state.pb");
        return Files.exists(f) ? Optional.of(LocalNodeState.parseFrom(Files.readAllBytes(f))) : Optional.empty();
    }

    /** Writes {@code state.pb} atomically (temp file, fsync, rename), so a crash leaves the old or the new. */
    public void store(LocalNodeState state) throws IOException {
        createOwnerOnly();
        Path tmp = Files.createTempFile(dir, ".state", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(state.toByteArray()));
            ch.force(true);
        }
        Files.move(tmp, dir.resolve("state.pb"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public void createOwnerOnly() throws IOException {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /** Forgets the swarm: keys, certificates, manager state (leave, or a failed init/join). */
    public void erase() throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        deleteTree(dir);
    }

    /** Deletes {@code root} and everything under it. */
    static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** The manager list last saved by {@link #rememberManagers} (so a view that changes nothing writes nothing). */
    private volatile java.util.List<String> savedManagers = java.util.List.of();

    /**
     * Issue 12: saves every manager's API address from a view, so a restarted worker can reach any of them
     * (not only the one it joined through). Failures are logged: the next view tries again.
     */
    void rememberManagers(io.jswarm.proto.cluster.ClusterView v) {
        java.util.List<String> managers = v.getManagerAddrsList();
        if (managers.isEmpty() || managers.equals(savedManagers)) {
            return;
        }
        try {
            Optional<LocalNodeState> current = load();
            if (current.isPresent() && !current.get().getManagerAddrsList().equals(managers)) {
                store(current.get().toBuilder().clearManagerAddrs().addAllManagerAddrs(managers).build());
            }
            savedManagers = java.util.List.copyOf(managers);
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(SwarmDir.class).warn("manager addresses not saved error={}", e.toString());
        }
    }

    /**
     * Saves the address the manager knows this worker by when it joined without one, so the next start can
     * begin gossip at once. Failures are logged: the next view tries again.
     */
    void rememberAddress(LocalNodeState st, io.jswarm.proto.cluster.ClusterView v) {
        v.getNodesList().stream().filter(n -> n.getId().equals(st.getNodeId()) && !n.getAddr().isEmpty()).findFirst()
                .ifPresent(me -> {
                    try {
                        Optional<LocalNodeState> current = load();
                        if (current.map(LocalNodeState::getAdvertiseAddr).orElse("x").isEmpty()) {
                            store(current.get().toBuilder().setAdvertiseAddr(me.getAddr())
                                    .setDataPathAddr(me.getDataPathAddr()).build());
                        }
                    } catch (IOException e) {
                        org.slf4j.LoggerFactory.getLogger(SwarmDir.class).warn("address not saved error={}", e.toString());
                    }
                });
    }
}
