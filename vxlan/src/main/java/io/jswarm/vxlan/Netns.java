package io.jswarm.vxlan;

import java.nio.file.Path;

/**
 * A network namespace, named the way the kernel lets us reach it: the namespace of the calling process, or
 * an nsfs file (a bind mount such as {@code /run/netns/NAME}, or {@code /proc/PID/ns/net}).
 */
public sealed interface Netns {
    /** Where {@code ip netns} keeps named namespaces; sandboxes live here so operators can {@code ip netns exec}. */
    Path IP_NETNS_DIR = Path.of("/run/netns");

    /** The namespace the JVM started in. */
    record Current() implements Netns {
        @Override
        public String toString() {
            return "current";
        }
    }

    /** The namespace behind an nsfs file. */
    record AtPath(Path path) implements Netns {
        public AtPath {
            if (path == null || !path.isAbsolute()) {
                throw new IllegalArgumentException("namespace path must be absolute: " + path);
            }
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }

    static Netns current() {
        return new Current();
    }

    static Netns at(Path path) {
        return new AtPath(path);
    }

    /** A namespace as {@code ip netns add NAME} would create it. */
    static Netns named(String name) {
        if (name == null || !name.matches("[A-Za-z0-9_.-]{1,64}") || name.startsWith(".")) {
            throw new IllegalArgumentException("bad namespace name: '" + name + "'");
        }
        return new AtPath(IP_NETNS_DIR.resolve(name));
    }

    static Netns ofPid(long pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("bad pid " + pid);
        }
        return new AtPath(Path.of("/proc", Long.toString(pid), "ns", "net"));
    }
}
