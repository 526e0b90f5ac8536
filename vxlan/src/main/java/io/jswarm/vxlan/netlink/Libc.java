package io.jswarm.vxlan.netlink;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc calls rtnetlink and namespaces need, as FFM downcalls that capture {@code errno}.
 * Every wrapper throws {@link ErrnoException} on failure, so callers never see -1.
 *
 * <p>All handles are linked in the static initialiser, and one cheap call is made there: linking costs a few
 * hundred milliseconds on first use, which belongs at start-up ({@link Netlink#isAvailable()}), not inside
 * the first request.
 */
final class Libc {
    static final int AF_NETLINK = 16;
    static final int AF_PACKET = 17;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int NETLINK_ROUTE = 0;
    static final int SOL_SOCKET = 1;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_RCVTIMEO = 20;
    static final int SO_SNDBUFFORCE = 32;
    static final int SO_RCVBUFFORCE = 33;
    static final int SOL_NETLINK = 270;
    static final int NETLINK_CAP_ACK = 10;
    static final int NETLINK_EXT_ACK = 11;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_TRUNC = 0x20;
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;
    static final int CLONE_NEWNET = 0x40000000;
    static final long MS_BIND = 4096;
    static final long MS_REC = 16384;
    static final long MS_SHARED = 1 << 20;
    static final int MNT_DETACH = 2;
    static final long NSFS_MAGIC = 0x6e736673L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle SOCKET = link("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle BIND = link("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SETSOCKOPT =
            link("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle GETSOCKOPT =
            link("getsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle SENDTO =
            link("sendto", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle RECV = link("recv", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle CLOSE = link("close", JAVA_INT, JAVA_INT);
    private static final MethodHandle OPEN = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("open"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));
    private static final MethodHandle SETNS = link("setns", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle UNSHARE = link("unshare", JAVA_INT, JAVA_INT);
    private static final MethodHandle MOUNT = link("mount", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);
    private static final MethodHandle UMOUNT2 = link("umount2", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle STATFS = link("statfs", JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle GETPID = link("getpid", JAVA_INT);

    private Libc() {
    }

    private static MethodHandle link(String name, MemoryLayout ret, MemoryLayout... args) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), FunctionDescriptor.of(ret, args),
                Linker.Option.captureCallState("errno"));
    }

    /** One downcall: gets an arena for arguments and the errno capture segment, returns the raw result. */
    @FunctionalInterface
    private interface Downcall {
        long invoke(Arena arena, MemorySegment state) throws Throwable;
    }

    /** Runs {@code call}; a negative result becomes an {@link ErrnoException} named after {@code what}. */
    private static long call(String what, Downcall call) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            long result = call.invoke(arena, state);
            if (result < 0) {
                throw new ErrnoException(what, (int) ERRNO.get(state, 0L));
            }
            return result;
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("unexpected checked exception from a downcall", t);
        }
    }

    /** Makes one real downcall, so that linking and the first-call set-up happen now. */
    static int getpid() {
        try {
            return (int) call("getpid", (arena, st) -> (int) GETPID.invokeExact(st));
        } catch (ErrnoException e) {
            throw new IllegalStateException(e);
        }
    }

    static int socket(int domain, int type, int protocol) throws ErrnoException {
        return (int) call("socket", (arena, st) -> (int) SOCKET.invokeExact(st, domain, type, protocol));
    }

    /** Binds a netlink socket with port id 0 (the kernel picks one) and no multicast groups. */
    static void bindNetlink(int fd) throws ErrnoException {
        call("bind", (arena, st) -> {
            MemorySegment addr = arena.allocate(12); // sockaddr_nl: family, pad, pid, groups; zeroed
            addr.set(JAVA_SHORT, 0, (short) AF_NETLINK);
            return (int) BIND.invokeExact(st, fd, addr, 12);
        });
    }

    static void setsockopt(int fd, int level, int option, int value) throws ErrnoException {
        call("setsockopt", (arena, st) -> {
            MemorySegment v = arena.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            return (int) SETSOCKOPT.invokeExact(st, fd, level, option, v, 4);
        });
    }

    /** SO_RCVTIMEO: a blocking receive gives up (EAGAIN) after this many seconds. */
    static void setReceiveTimeout(int fd, long seconds) throws ErrnoException {
        call("setsockopt SO_RCVTIMEO", (arena, st) -> {
            MemorySegment tv = arena.allocate(16); // struct timeval { long tv_sec; long tv_usec; }
            tv.set(JAVA_LONG, 0, seconds);
            return (int) SETSOCKOPT.invokeExact(st, fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
        });
    }

    static int getsockoptInt(int fd, int level, int option) throws ErrnoException {
        int[] value = new int[1];
        call("getsockopt", (arena, st) -> {
            MemorySegment v = arena.allocate(JAVA_INT);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 4);
            int rc = (int) GETSOCKOPT.invokeExact(st, fd, level, option, v, len);
            value[0] = v.get(JAVA_INT, 0);
            return rc;
        });
        return value[0];
    }

    /** Sends to the socket's default destination (for netlink: the kernel). */
    static long send(int fd, MemorySegment buf, long len) throws ErrnoException {
        return call("sendto", (arena, st) -> (long) SENDTO.invokeExact(st, fd, buf, len, 0, MemorySegment.NULL, 0));
    }

    /**
     * Sends one Ethernet frame on an AF_PACKET socket out of device {@code ifindex} (struct sockaddr_ll:
     * family, protocol (big-endian), ifindex, hatype, pkttype, halen, addr[8]; 20 bytes).
     */
    static long sendFrame(int fd, byte[] frame, int ifindex, short etherType, byte[] destination) throws ErrnoException {
        return call("sendto AF_PACKET", (arena, st) -> {
            MemorySegment buf = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, frame);
            MemorySegment ll = arena.allocate(20, 4);
            ll.set(JAVA_SHORT, 0, (short) AF_PACKET);
            ll.set(JAVA_SHORT, 2, Short.reverseBytes(etherType));
            ll.set(JAVA_INT, 4, ifindex);
            ll.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 11, (byte) destination.length);
            MemorySegment.copy(destination, 0, ll, java.lang.foreign.ValueLayout.JAVA_BYTE, 12, destination.length);
            return (long) SENDTO.invokeExact(st, fd, buf, (long) frame.length, 0, ll, 20);
        });
    }

    static long recv(int fd, MemorySegment buf, long len, int flags) throws ErrnoException {
        return call("recv", (arena, st) -> (long) RECV.invokeExact(st, fd, buf, len, flags));
    }

    static void close(int fd) throws ErrnoException {
        call("close", (arena, st) -> (int) CLOSE.invokeExact(st, fd));
    }

    static int open(String path, int flags) throws ErrnoException {
        return (int) call("open " + path,
                (arena, st) -> (int) OPEN.invokeExact(st, arena.allocateFrom(path), flags, 0));
    }

    static void setns(int fd, int nstype) throws ErrnoException {
        call("setns", (arena, st) -> (int) SETNS.invokeExact(st, fd, nstype));
    }

    static void unshare(int flags) throws ErrnoException {
        call("unshare", (arena, st) -> (int) UNSHARE.invokeExact(st, flags));
    }

    /** mount(2); a {@code null} source or file-system type is passed as NULL. */
    static void mount(String source, String target, String fsType, long flags) throws ErrnoException {
        call("mount " + target, (arena, st) -> {
            MemorySegment src = source == null ? MemorySegment.NULL : arena.allocateFrom(source);
            MemorySegment fs = fsType == null ? MemorySegment.NULL : arena.allocateFrom(fsType);
            return (int) MOUNT.invokeExact(st, src, arena.allocateFrom(target), fs, flags, MemorySegment.NULL);
        });
    }

    static void umount2(String target, int flags) throws ErrnoException {
        call("umount2 " + target, (arena, st) -> (int) UMOUNT2.invokeExact(st, arena.allocateFrom(target), flags));
    }

    /** The {@code f_type} of the file system holding {@code path} (first field of struct statfs on Linux). */
    static long statfsType(String path) throws ErrnoException {
        long[] type = new long[1];
        call("statfs " + path, (arena, st) -> {
            MemorySegment buf = arena.allocate(256, 8); // struct statfs is 120 bytes on 64-bit Linux
            int rc = (int) STATFS.invokeExact(st, arena.allocateFrom(path), buf);
            type[0] = buf.get(JAVA_LONG, 0);
            return rc;
        });
        return type[0];
    }
}
