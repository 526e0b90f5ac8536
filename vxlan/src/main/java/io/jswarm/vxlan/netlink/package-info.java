/**
 * rtnetlink over {@code java.lang.foreign}: the Linux side of {@link io.jswarm.vxlan.kernel.Kernel}, with no
 * JNI, no library and no process per operation. Internal to the vxlan module except {@link
 * io.jswarm.vxlan.netlink.NetlinkKernel}, {@link io.jswarm.vxlan.netlink.Netlink} and {@link
 * io.jswarm.vxlan.netlink.NetnsCalls} (a socket opened inside a namespace, e.g. a sandbox's DNS resolver).
 *
 * <h2>Layers</h2>
 * <ul>
 *   <li>{@code Libc}: FFM downcalls (socket, sendto, recv, setns, unshare, mount, statfs, ...) that capture
 *       errno and throw {@code ErrnoException}. Linked eagerly; {@code Netlink.isAvailable()} makes the first
 *       call, which costs a few hundred ms, at start-up.</li>
 *   <li>{@code RtnlEncoder}/{@code RtnlDecoder}/{@code NlWriter}/{@code NlAttrs}: messages in heap
 *       {@code ByteBuffer}s, host byte order for netlink, network order for addresses and the VXLAN port.
 *       Encoders are tested byte for byte against requests captured from iproute2.</li>
 *   <li>{@code Transport} (real: {@code NetlinkSocket}; tests: a scripted fake) and {@code NetlinkChannel}:
 *       batching, sequence numbers, errors, dumps.</li>
 *   <li>{@code NamespaceSession}: one socket per namespace, name resolution and the apply algorithm.</li>
 *   <li>{@code NetlinkKernel}: sessions cached by namespace path and identity.</li>
 * </ul>
 *
 * <h2>Why "errors only + barrier"</h2>
 * Requests go out without NLM_F_ACK, up to 1024 per {@code sendto}, followed by an NLMSG_NOOP that asks for an
 * ACK. The kernel handles one datagram's messages in order and answers only failures, so the barrier's ACK
 * proves every error of the batch has been queued before it. Against ACK-per-request this halves receive work
 * and keeps the receive buffer nearly empty. NETLINK_CAP_ACK keeps errors small (no echo of the request),
 * NETLINK_EXT_ACK adds the kernel's text, which ends up in {@code KernelException}.
 *
 * <h2>Overruns (ENOBUFS)</h2>
 * If answers are dropped anyway (the receive buffer, forced to 8 MB, is full), the channel drains the socket
 * with MSG_DONTWAIT until EAGAIN, reports the unanswered requests as unknown and halves its batch size.
 * {@code Recovery} then settles AddLink and MoveLink against a link dump (they are not idempotent) and resends
 * the rest, which is valid because every other change is idempotent (CREATE|REPLACE, deletes tolerate
 * "absent"). Remaining ambiguity: an AddLink whose EEXIST was lost counts as success.
 *
 * <h2>Namespaces and threads</h2>
 * {@code setns}/{@code unshare} switch the calling OS thread. Each such operation runs on a fresh platform
 * thread (never a virtual thread, whose carrier would take the namespace to unrelated virtual threads) that
 * switches back to its saved {@code /proc/thread-self/ns/net} and then ends; if switching back fails the
 * thread ends with the error and never runs anything else. A socket opened in a namespace stays bound to it and
 * is used from any thread afterwards. The socket pins its namespace, so {@code deleteNamespace} closes it, and
 * a namespace recreated at the same path (different nsfs inode) gets a new socket.
 *
 * <h2>Names</h2>
 * Devices are resolved to indexes with RTM_GETLINK on the namespace's own socket (never {@code
 * if_nametoindex}, which acts in the caller's namespace). The cache is per namespace; any link-changing
 * request marks every cache stale, and the next resolution first sends what is pending, then dumps links. A
 * miss refreshes once per apply, so devices created by others are found.
 */
package io.jswarm.vxlan.netlink;
