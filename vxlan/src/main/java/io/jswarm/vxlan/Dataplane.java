package io.jswarm.vxlan;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Collection;

/**
 * The data plane of one host at intent level: networks (a namespace with {@code br0} and {@code vxlan0}),
 * endpoints (a sandbox with a veth on the network), and remote peers (static ARP + FDB entries). The
 * implementation remembers what it was asked for, so {@link #reconcile()} can compare the kernel with it.
 *
 * <p>Every call is idempotent. A call that fails with bad input changes nothing; a call that fails in the
 * kernel half-way rolls back what it made before rethrowing. Thread-safe; calls block on the kernel.
 */
public interface Dataplane {

    /**
     * Ensures the network's namespace exists with {@code br0} (gateway address, up) and {@code vxlan0}
     * (VNI, port, learning off, proxy/l2miss/l3miss on, MTU = underlay MTU - 50) attached to it. A
     * leftover with the same VNI from a crashed run is replaced. Known peers are (re)programmed.
     */
    void ensureNetwork(NetworkSpec network) throws IOException;

    /**
     * As {@link #ensureNetwork}, except that for a network this data plane does not know yet but whose
     * namespace already exists (a restarted agent), the remote peers in the kernel are taken as the known
     * peers instead of being removed: the kernel keeps forwarding until the caller, informed again, says
     * which peers to keep ({@link #upsertPeers}, {@link #removePeers}, {@link #retainPeers}). Likewise its
     * veths are kept (they are the endpoints the caller is about to ensure again) until {@link #retainPeers}.
     */
    void adoptNetwork(NetworkSpec network) throws IOException;

    /**
     * Removes every remote peer whose IP is not in {@code keep}, in one batch; ends an adoption (from now on a
     * veth no endpoint owns is a stray again).
     */
    void retainPeers(String networkId, Collection<InetAddress> keep) throws IOException;

    /** Removes the network's endpoints, peers, devices and namespace; nothing of it is left. Absent: no-op. */
    void removeNetwork(String networkId) throws IOException;

    /**
     * Ensures the endpoint: sandbox namespace (created if {@link EndpointSpec#createSandbox()}), a veth
     * whose sandbox end is {@code ifName} with the address, MAC and MTU of the network, up, with a default
     * route via the gateway (if the sandbox has none of that family yet: its first network), and whose other
     * end is a port of {@code br0}.
     *
     * @throws IllegalArgumentException if the network is unknown or the address is outside its subnet
     */
    void ensureEndpoint(EndpointSpec endpoint) throws IOException;

    /**
     * The device names in a sandbox, so a caller handed a runtime's namespace can pick an interface name that
     * is free there (an existing device of that name would otherwise be in the way, or replaced if a veth).
     */
    java.util.Set<String> interfaceNames(Netns sandbox) throws IOException;

    /** Whether a namespace file exists (a sandbox the caller was handed, or a name about to be taken). */
    boolean namespaceExists(Netns.AtPath namespace);

    /**
     * Whether a namespace file is the daemon's own or PID 1's network namespace (by nsfs device and inode, so
     * bind mounts of it count): {@link #ensureEndpoint} refuses such a sandbox, and callers check it before
     * anything is made.
     */
    default boolean isHostNamespace(Netns.AtPath namespace) {
        return io.jswarm.vxlan.kernel.HostNamespaces.isHost(namespace.path());
    }

    /**
     * The remote peers this data plane currently programs on the network, by IP (after {@link #adoptNetwork},
     * those found in the kernel); empty for an unknown network.
     */
    java.util.Map<InetAddress, Peer> peers(String networkId);

    /**
     * Removes exactly what {@link #ensureEndpoint} made (and the sandbox if it created it). Absent: no-op. If the
     * endpoint carried the sandbox's default route, the sandbox's remaining endpoint of that address family
     * ensured earliest takes it over ({@code default via} its gateway {@code dev} its interface), as in Docker.
     */
    void removeEndpoint(String networkId, String endpointId) throws IOException;

    /** Adds or updates remote peers (replacing an entry that points elsewhere), in one batch. */
    void upsertPeers(String networkId, Collection<Peer> peers) throws IOException;

    /** Removes remote peers by IP, in one batch. Unknown IPs are ignored. */
    void removePeers(String networkId, Collection<InetAddress> peerIps) throws IOException;

    /**
     * Compares the kernel with everything asked for so far, repairs every difference (missing, stale or
     * wrong devices, addresses, routes, neighbour and FDB entries; missing namespaces) and says what it did.
     */
    ReconcileReport reconcile() throws IOException;

    // ---- IPsec (issue 11): host-namespace ESP SAs and policies, see EspProgrammer ----

    /**
     * Makes the host namespace hold exactly the SAs and policies {@code intent} asks for (make-before-break order:
     * new SAs, then policies, then deletions), removing jswarm's others (reqid {@link Esp#REQID}, port
     * {@link Esp#PORT}); {@link #reconcile()} keeps it so from then on. A failure half-way keeps the intent, and
     * the next call or reconcile finishes it.
     */
    default void setEncryption(EspIntent intent) throws IOException {
        throw new UnsupportedOperationException("IPsec is not implemented by " + getClass().getSimpleName());
    }

    /**
     * Adds the catch-all policies on {@link Esp#PORT} (block plaintext out, accept only jswarm's SAs in) before an
     * encrypted network's devices exist. Deletes nothing: before the first {@link #setEncryption} after a start,
     * what a previous run left keeps carrying traffic.
     */
    default void guardEncryption(InetAddress self) throws IOException {
        throw new UnsupportedOperationException("IPsec is not implemented by " + getClass().getSimpleName());
    }

    /** Whether this host's kernel can carry ESP with rfc4106(gcm(aes)) ({@code Kernel.espSupported}). */
    default boolean espSupported() {
        return false;
    }

    /** Subscribes to the host namespace's XFRM expire events; the listener must not block. Close to stop. */
    /** The ledger of outbound keys installed on this host ({@link SentKeys}); set before the first {@link #setEncryption}. */
    default void useSentKeys(SentKeys ledger) {
    }

    /**
     * Generations whose outbound SA to some peer was lost after it was installed (deleted by hand, hard-expired,
     * emptied by a reboot) at the last set or reconcile. Such an SA is never written again with its key (GCM nonce
     * reuse, see {@link SentKeys}): the pair stays blocked until a key rotation brings fresh keys.
     */
    default java.util.Set<Integer> lostEncryption() {
        return java.util.Set.of();
    }

    default AutoCloseable watchEncryption(java.util.function.Consumer<io.jswarm.vxlan.kernel.XfrmEvent> listener)
            throws IOException {
        return () -> { };
    }
}
