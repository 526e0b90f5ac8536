package io.jswarm.vxlan.netlink;

import java.io.IOException;

/** A failed system call, e.g. {@code "setns: EPERM (1)"}. */
public final class ErrnoException extends IOException {
    private final int errno;

    public ErrnoException(String call, int errno) {
        super(call + ": " + Errno.name(errno) + " (" + errno + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
