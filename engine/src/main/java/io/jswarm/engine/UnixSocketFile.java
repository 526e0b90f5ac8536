package io.jswarm.engine;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** The file of an owner-only Unix socket (the daemon's control socket and its Docker Engine API socket). */
public final class UnixSocketFile {
    private UnixSocketFile() {
    }

    /**
     * Before binding {@code socket}: its directory is created 0700 if missing (closing the moment between bind
     * and chmod), a stale file left by a crash is deleted, and one that still answers refuses the start.
     */
    public static void prepare(Path socket, String owner) throws IOException {
        Path parent = socket.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) {
            Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        if (Files.exists(socket)) {
            if (answers(socket)) {
                throw new IOException("another " + owner + " is listening on " + socket);
            }
            Files.delete(socket);
        }
    }

    /** After binding: owner read/write only, like docker.sock. */
    public static void restrict(Path socket) throws IOException {
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    }

    private static boolean answers(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return false;
        }
    }
}
