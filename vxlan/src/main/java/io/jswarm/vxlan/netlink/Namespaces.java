package io.jswarm.vxlan.netlink;

import io.jswarm.vxlan.Netns;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Network namespaces by path. {@code setns} and {@code unshare} switch the calling OS thread, so every such
 * call runs on a fresh platform thread (never a virtual one: its carrier would carry the namespace over to
 * unrelated virtual threads) that switches back before it ends; if switching back fails, the thread dies
 * with an {@link Error} and takes the foreign namespace with it.
 */
final class Namespaces {
    private static final Logger LOG = LoggerFactory.getLogger(Namespaces.class);
    private static final String THREAD_NS = "/proc/thread-self/ns/net";

    /** A system call that enters a namespace. */
    @FunctionalInterface
    private interface Enter {
        void run() throws IOException;
    }

    /** An action to run inside a namespace. */
    @FunctionalInterface
    interface NsAction<T> {
        T run() throws IOException;
    }

    /** Identity of a namespace: the (device, inode) of its nsfs file. A namespace recreated at a path differs. */
    record Id(long dev, long inode) {
    }

    private Namespaces() {
    }

    /** Runs {@code action} on a platform thread that is inside the namespace behind {@code nsFile}. */
    static <T> T callIn(Path nsFile, NsAction<T> action) throws IOException {
        return onPlatformThread("jswarm-netns", () -> {
            int target = Libc.open(nsFile.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
            try {
                return switched(() -> Libc.setns(target, Libc.CLONE_NEWNET), action);
            } finally {
                Libc.close(target);
            }
        });
    }

    /**
     * Runs {@code action} on a platform thread inside a brand-new network namespace bound nowhere: it vanishes
     * when the thread has switched back and nothing opened in it stays open (a probe that must not touch any
     * real namespace).
     */
    static <T> T callInNew(NsAction<T> action) throws IOException {
        return onPlatformThread("jswarm-netns-scratch", () -> switched(() -> Libc.unshare(Libc.CLONE_NEWNET), action));
    }

    /**
     * Creates a network namespace bound at {@code path}, as {@code ip netns add} does: a new namespace on a
     * platform thread, its {@code /proc/thread-self/ns/net} bind-mounted onto an empty file.
     */
    static Netns create(Path path) throws IOException {
        if (exists(path)) {
            throw new FileAlreadyExistsException(path.toString(), null, "a network namespace is bound there");
        }
        Path dir = path.getParent();
        Files.createDirectories(dir);
        if (dir.equals(Netns.IP_NETNS_DIR)) {
            makeShared(dir);
        }
        boolean created = !Files.exists(path, LinkOption.NOFOLLOW_LINKS);
        if (created) {
            Files.createFile(path);
        }
        try {
            onPlatformThread("jswarm-netns-create", () -> switched(() -> Libc.unshare(Libc.CLONE_NEWNET), () -> {
                Libc.mount(THREAD_NS, path.toString(), "none", Libc.MS_BIND);
                return null;
            }));
        } catch (IOException | RuntimeException e) {
            if (created) {
                Files.deleteIfExists(path);
            }
            throw e;
        }
        LOG.debug("created network namespace {}", path);
        return Netns.at(path);
    }

    /**
     * So that a namespace mounted here is seen in other mount namespaces (ip netns exec), {@code ip netns add}
     * makes its directory a shared mount, bind-mounting it onto itself first if it is no mount point.
     */
    private static void makeShared(Path dir) throws IOException {
        try {
            Libc.mount("", dir.toString(), "none", Libc.MS_SHARED | Libc.MS_REC);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EINVAL) {
                throw e;
            }
            Libc.mount(dir.toString(), dir.toString(), "none", Libc.MS_BIND | Libc.MS_REC);
            Libc.mount("", dir.toString(), "none", Libc.MS_SHARED | Libc.MS_REC);
        }
    }

    /** Unmounts and removes the namespace file; a missing file or a plain (unmounted) file is fine. */
    static void delete(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Libc.umount2(path.toString(), Libc.MNT_DETACH);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EINVAL && e.errno() != Errno.ENOENT) {
                throw e;
            }
        }
        Files.deleteIfExists(path);
        LOG.debug("deleted network namespace {}", path);
    }

    /** Whether {@code path} is an nsfs file (a bound namespace or /proc/PID/ns/net). */
    static boolean exists(Path path) {
        try {
            return Libc.statfsType(path.toString()) == Libc.NSFS_MAGIC;
        } catch (ErrnoException e) {
            return false;
        }
    }

    /** The identity of the namespace at {@code path}. */
    static Id id(Path path) throws IOException {
        if (!exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no network namespace bound there");
        }
        Map<String, Object> attrs = Files.readAttributes(path, "unix:dev,ino");
        return new Id(((Number) attrs.get("dev")).longValue(), ((Number) attrs.get("ino")).longValue());
    }

    /** Enters with {@code enter}, runs {@code action}, and switches the thread back to where it was. */
    private static <T> T switched(Enter enter, NsAction<T> action) throws IOException {
        int home = Libc.open(THREAD_NS, Libc.O_RDONLY | Libc.O_CLOEXEC);
        try {
            enter.run();
            try {
                return action.run();
            } finally {
                switchBack(home);
            }
        } finally {
            Libc.close(home);
        }
    }

    private static void switchBack(int home) {
        try {
            Libc.setns(home, Libc.CLONE_NEWNET);
        } catch (ErrnoException e) {
            // The thread is stuck in a foreign namespace. Each namespace action gets its own thread, which ends
            // right after reporting this, so nothing else ever runs on it.
            throw new IllegalStateException("cannot switch thread back to its namespace: " + e.getMessage(), e);
        }
    }

    private static <T> T onPlatformThread(String name, NsAction<T> action) throws IOException {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name(name).daemon(true).start(() -> {
            try {
                result.set(action.run());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for a namespace thread");
        }
        Throwable f = failure.get();
        if (f instanceof IOException io) {
            throw io;
        }
        if (f != null) {
            throw new IOException("namespace operation failed: " + f.getMessage(), f);
        }
        return result.get();
    }
}
