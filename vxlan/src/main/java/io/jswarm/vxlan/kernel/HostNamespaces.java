package io.jswarm.vxlan.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which network namespaces a sandbox must never be: the one this process runs in (the daemon's, on a real
 * host the host's) and PID 1's (the host's, also when the daemon itself runs in another namespace). An
 * overlay interface and a default route put there would change the host's own networking.
 *
 * <p>Namespaces are compared by the (device, inode) of their nsfs files, never by path: {@code /proc/self/ns/net},
 * {@code /proc/PID/ns/net} of any process in the host namespace and a {@code /run/netns/X} bind mount of it
 * all stat to the same pair.
 */
public final class HostNamespaces {
    /** The files naming the namespaces a sandbox must not be (see {@link #hostFiles()} for one more). */
    public static final List<Path> HOST_FILES = List.of(Path.of("/proc/self/ns/net"), Path.of("/proc/1/ns/net"));
    /** PF_KTHREAD in the flags field of {@code /proc/PID/stat}. */
    private static final long PF_KTHREAD = 0x00200000L;
    private static final Path KTHREADD = Path.of("/proc/2");

    private HostNamespaces() {
    }

    /** Identity of a namespace file. */
    record Id(long dev, long inode) {
    }

    /** Whether {@code path} is the daemon's own or the machine's initial (PID 1's, the kernel threads') network namespace. */
    public static boolean isHost(Path path) {
        return isAnyOf(path, hostFiles());
    }

    /**
     * {@link #HOST_FILES}, plus the namespace of the kernel's threads ({@code kthreadd}, PID 2, when it is a
     * kernel thread: they live in the initial network namespace) for hosts where PID 1's namespace cannot be
     * read (a sandboxed init refuses ptrace-mode access even to root). In a PID namespace no kernel thread is
     * visible, and PID 2 is an ordinary process that is not added.
     */
    static List<Path> hostFiles() {
        if (!isKernelThread(KTHREADD)) {
            return HOST_FILES;
        }
        return java.util.stream.Stream.concat(HOST_FILES.stream(), java.util.stream.Stream.of(KTHREADD.resolve("ns/net")))
                .toList();
    }

    private static boolean isKernelThread(Path proc) {
        try {
            String stat = Files.readString(proc.resolve("stat"));
            // "2 (kthreadd) S 0 0 0 0 -1 2129984 ...": the name may hold spaces, so count from the last ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return f.length > 6 && (Long.parseLong(f[6]) & PF_KTHREAD) != 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether {@code path} names the same namespace as one of {@code hostFiles}. A path that cannot be read
     * is no namespace at all (callers refuse it as missing); a host file that cannot be read is skipped.
     */
    static boolean isAnyOf(Path path, List<Path> hostFiles) {
        Id target = id(path);
        if (target == null) {
            return false;
        }
        for (Path h : hostFiles) {
            if (Objects.equals(target, id(h))) {
                return true;
            }
        }
        return false;
    }

    private static Id id(Path p) {
        try {
            // stat(2) follows the /proc magic links to the nsfs inode, as iproute2's "ip netns identify" does.
            Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino");
            return new Id(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }
}
