package io.jswarm.vxlan.netlink;

import io.jswarm.vxlan.Netns;
import java.io.IOException;

/** An open namespace file, for IFLA_NET_NS_FD; must stay open until the request using it was sent. */
record NsFd(int fd) implements AutoCloseable {

    static NsFd open(Netns ns) throws IOException {
        String path = switch (ns) {
            case Netns.Current c -> "/proc/self/ns/net";
            case Netns.AtPath p -> p.path().toString();
        };
        return new NsFd(Libc.open(path, Libc.O_RDONLY | Libc.O_CLOEXEC));
    }

    /** Closing twice would close an fd number that may have been reused; callers close once (Run.fds). */
    @Override
    public void close() {
        try {
            Libc.close(fd);
        } catch (ErrnoException e) {
            org.slf4j.LoggerFactory.getLogger(NsFd.class).warn("closing namespace fd {}: {}", fd, e.getMessage());
        }
    }
}
