package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.MacAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The seam between jswarm's data-plane logic and Linux: namespaces, links, addresses, routes, neighbour
 * and FDB entries. Two implementations: {@code NetlinkKernel} (rtnetlink through java.lang.foreign) and
 * {@code FakeKernel} (in-memory tables, for unit tests); one contract test suite runs against both.
 *
 * <p>Thread-safety: implementations are safe for use by several threads. Calls block until the kernel
 * has answered. Nothing here forks a process.
 */
public interface Kernel extends AutoCloseable {

    /**
     * Creates a new, empty network namespace (with only {@code lo}, down) and binds it at {@code path},
     * creating parent directories. Fails if {@code path} already holds a namespace.
     */
    Netns createNamespace(Path path) throws IOException;

    /** Unbinds and removes the namespace file at {@code path}; succeeds if there is none. */
    void deleteNamespace(Path path) throws IOException;

    /** Whether {@code path} is a bound network namespace. */
    boolean namespaceExists(Path path);

    /**
     * Whether {@code path} is this process's own or PID 1's network namespace (the host's), compared by the
     * nsfs device and inode, so {@code /proc/PID/ns/net} of a host process and a bind mount of the host
     * namespace count too. Sandboxes are never put there ({@link HostNamespaces}).
     */
    default boolean isHostNamespace(Path path) {
        return HostNamespaces.isHost(path);
    }

    /**
     * Applies {@code changes} in order inside {@code ns}. Every change is attempted even if an earlier one
     * failed (the kernel processes a batch that way); if any failed, a {@link KernelException} lists all
     * failures and the successful changes stay applied. See {@link KernelChange} for per-change semantics.
     */
    void apply(Netns ns, List<? extends KernelChange> changes) throws KernelException, IOException;

    default void apply(Netns ns, KernelChange... changes) throws IOException {
        apply(ns, List.of(changes));
    }

    List<Link> links(Netns ns) throws IOException;

    List<Address> addresses(Netns ns) throws IOException;

    /** Unicast routes of the main table. */
    List<Route> routes(Netns ns) throws IOException;

    /** IPv4 and IPv6 neighbour entries of every device. */
    List<Neighbor> neighbors(Netns ns) throws IOException;

    /** AF_BRIDGE forwarding entries of every device (bridge and VXLAN FDBs alike). */
    List<FdbEntry> fdb(Netns ns) throws IOException;

    /**
     * The source filter on {@code dev}'s ingress if it is exactly a {@link PortFilter} (its one program, nothing
     * else), else empty: no filter, a foreign one, or one damaged by hand.
     *
     * @throws KernelException with ENODEV if {@code dev} does not exist in {@code ns}
     */
    java.util.Optional<PortFilter> portFilter(Netns ns, String dev) throws IOException;

    /**
     * Sends one gratuitous ARP per IPv4 address (broadcast ARP request, sender = target = the address, sender
     * MAC = its MAC, Ethernet source = {@code dev}'s own MAC) out of {@code dev} in {@code ns}, so that hosts
     * on that segment holding an unresolved or stale entry for the address get the MAC now instead of at their
     * next ARP retry; hosts without an entry ignore it. IPv6 addresses are skipped (no NDP announcement yet).
     * Nothing is remembered: this is a packet, not state.
     *
     * @throws KernelException with ENODEV if {@code dev} does not exist in {@code ns}
     */
    void announce(Netns ns, String dev, Map<InetAddress, MacAddress> addresses) throws IOException;

    /**
     * Every ESP transport-mode SA in {@code ns} (XFRM_MSG_GETSA dump over NETLINK_XFRM), keys and counters
     * included. Other kinds of SA (tunnel mode, AH, other algorithms) are left out: jswarm never writes them.
     */
    default List<XfrmState> xfrmStates(Netns ns) throws IOException {
        throw new UnsupportedOperationException("XFRM is not implemented by " + getClass().getSimpleName());
    }

    /** Every XFRM policy in {@code ns} whose selector is IPv4 (XFRM_MSG_GETPOLICY dump); socket policies excluded. */
    default List<XfrmPolicy> xfrmPolicies(Netns ns) throws IOException {
        throw new UnsupportedOperationException("XFRM is not implemented by " + getClass().getSimpleName());
    }

    /**
     * Subscribes to {@code ns}'s XFRM expire notifications (multicast group XFRMNLGRP_EXPIRE); {@code listener}
     * runs on the subscription's own thread and must not block. Closing the result stops it.
     */
    default AutoCloseable watchXfrm(Netns ns, java.util.function.Consumer<XfrmEvent> listener) throws IOException {
        throw new UnsupportedOperationException("XFRM is not implemented by " + getClass().getSimpleName());
    }

    /**
     * Whether this kernel can carry ESP with {@code rfc4106(gcm(aes))}: probed once by adding and deleting an SA
     * in a throw-away network namespace (no state of any real namespace is touched), then cached. A kernel
     * without {@code CONFIG_INET_ESP} answers {@code false}.
     */
    default boolean espSupported() {
        return false;
    }

    /** Releases sockets and namespace handles. Idempotent. */
    @Override
    void close();
}
