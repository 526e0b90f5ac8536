package io.jswarm.vxlan;

import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.Link;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Dataplane} on top of a {@link Kernel}. Remembers every network, endpoint and peer asked for and
 * converges the kernel to that desired state: the same code makes a network the first time, repairs it on a
 * repeated {@code ensure*} call and in {@link #reconcile()}, so "idempotent" and "self-healing" are one
 * property. See {@code package-info.java} for the design notes.
 *
 * <p>Failures: input is validated before the first kernel change ({@link IllegalArgumentException}, nothing
 * changed). A network or endpoint made for the first time is undone entirely if the kernel refuses a step,
 * and is not remembered. A failed peer batch restores the previous peer set, in memory and in the kernel.
 * Repairs of something that already existed (a repeated {@code ensure*}, {@link #reconcile()}) are not
 * undone: a half-repaired object is closer to the desired state, and the next reconcile continues.
 *
 * <p>IPsec (issue 11): the host namespace's ESP SAs and XFRM policies are one more piece of desired state,
 * converged by {@link EspProgrammer} under the same lock and in the same {@link #reconcile()}.
 *
 * <p>Beside the converge routines, {@link PeerBatches} applies a peer change as one batch (undone in memory and
 * kernel on failure) and {@link NetworkRemoval} takes a removed or half-made network out of the kernel; both run
 * under this class's lock.
 *
 * <p>Thread-safe: one lock per instance; every call blocks on the kernel while holding it. The constructor
 * starts nothing and touches no kernel state.
 */
public final class KernelDataplane implements Dataplane {
    private static final Logger LOG = LoggerFactory.getLogger(KernelDataplane.class);

    private final Kernel kernel;
    private final DataplaneConfig config;
    private final NetworkConverger networks;
    private final EndpointConverger endpoints;
    private final PeerProgrammer peers;
    private final DefaultRoutes defaultRoutes;
    private final EspProgrammer esp;
    private final PeerBatches peerBatches;
    private final NetworkRemoval removal;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, NetworkState> state = new LinkedHashMap<>();
    /** Sequence of first ensures ({@link EndpointState#ensured()}); guarded by {@link #lock}. */
    private long ensureCount;

    public KernelDataplane(Kernel kernel, DataplaneConfig config) {
        if (kernel == null || config == null) {
            throw new IllegalArgumentException("kernel and config are required");
        }
        this.kernel = kernel;
        this.config = config;
        this.networks = new NetworkConverger(kernel, config);
        this.endpoints = new EndpointConverger(kernel, config.portGuard());
        this.peers = new PeerProgrammer(kernel);
        this.defaultRoutes = new DefaultRoutes(kernel, endpoints);
        this.esp = new EspProgrammer(kernel, config.hostNs());
        this.peerBatches = new PeerBatches(kernel, peers);
        this.removal = new NetworkRemoval(kernel, config);
    }

    @Override
    public void setEncryption(EspIntent intent) throws IOException {
        lock.lock();
        try {
            esp.set(intent);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void guardEncryption(InetAddress self) throws IOException {
        lock.lock();
        try {
            esp.guard(self);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void useSentKeys(SentKeys ledger) {
        lock.lock();
        try {
            esp.useSentKeys(ledger);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public java.util.Set<Integer> lostEncryption() {
        lock.lock();
        try {
            return esp.lost();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean espSupported() {
        return kernel.espSupported();
    }

    @Override
    public AutoCloseable watchEncryption(java.util.function.Consumer<io.jswarm.vxlan.kernel.XfrmEvent> listener)
            throws IOException {
        return kernel.watchXfrm(config.hostNs(), listener);
    }

    @Override
    public void ensureNetwork(NetworkSpec spec) throws IOException {
        ensureNetwork(spec, false);
    }

    @Override
    public void adoptNetwork(NetworkSpec spec) throws IOException {
        ensureNetwork(spec, true);
    }

    private void ensureNetwork(NetworkSpec spec, boolean adopt) throws IOException {
        lock.lock();
        try {
            NetworkState known = state.get(spec.id());
            Validation.network(spec, known, state.values());
            int mtu = overlayMtu(spec);
            java.nio.file.Path nsPath = config.networkNamespace(spec.id());
            Map<InetAddress, Peer> adopted = known == null && adopt && kernel.namespaceExists(nsPath)
                    ? peers.current(Netns.at(nsPath)) : Map.of();
            if (!adopted.isEmpty()) {
                LOG.info("network adopted with its peers network={} peers={}", spec.id(), adopted.size());
            }
            NetworkState next = known == null
                    ? new NetworkState(spec, nsPath, mtu, adopted, Map.of())
                    : new NetworkState(spec, known.nsPath, mtu, known.peers, known.endpoints);
            next.adopted = known == null ? adopt && kernel.namespaceExists(nsPath) : known.adopted;
            boolean fresh = known == null && !kernel.namespaceExists(next.nsPath);
            try {
                converge(next, fresh ? Repairs.creating() : Repairs.reporting());
            } catch (IOException | RuntimeException e) {
                if (fresh) {
                    removal.undoFresh(next, e);
                }
                throw e;
            }
            state.put(spec.id(), next);
            LOG.info("network ensured network={} vni={} mtu={} netns={}", spec.id(), spec.vni(), mtu, next.nsPath);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public java.util.Set<String> interfaceNames(Netns sandbox) throws IOException {
        return kernel.links(sandbox).stream().map(Link::name).collect(java.util.stream.Collectors.toSet());
    }

    @Override
    public boolean namespaceExists(Netns.AtPath namespace) {
        return kernel.namespaceExists(namespace.path());
    }

    @Override
    public boolean isHostNamespace(Netns.AtPath namespace) {
        return kernel.isHostNamespace(namespace.path());
    }

    @Override
    public Map<InetAddress, Peer> peers(String networkId) {
        lock.lock();
        try {
            NetworkState net = state.get(networkId);
            return net == null ? Map.of() : Map.copyOf(net.peers);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void retainPeers(String networkId, Collection<InetAddress> keep) throws IOException {
        lock.lock();
        try {
            NetworkState net = state.get(networkId);
            if (net == null) {
                return;
            }
            net.adopted = false; // the caller knows its endpoints and peers again: strays are strays from now on
            java.util.Set<InetAddress> kept = new java.util.HashSet<>(keep);
            List<InetAddress> gone = net.peers.keySet().stream().filter(ip -> !kept.contains(ip)).toList();
            if (!gone.isEmpty()) {
                removePeers(networkId, gone); // the lock is reentrant
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void removeNetwork(String networkId) throws IOException {
        lock.lock();
        try {
            NetworkState net = state.get(networkId);
            if (net != null) {
                for (EndpointState ep : List.copyOf(net.endpoints.values())) {
                    removeEndpointLocked(net, ep);
                }
            }
            removal.remove(net, networkId);
            state.remove(networkId);
            if (net != null) {
                LOG.info("network removed network={}", networkId);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void ensureEndpoint(EndpointSpec spec) throws IOException {
        lock.lock();
        try {
            NetworkState net = state.get(spec.networkId());
            String hostIf = Names.hostVeth(spec.id());
            EndpointState existing = Validation.endpoint(spec, net, hostIf, state.values(), endpoints);
            if (existing != null) {
                endpoints.converge(net, existing, Repairs.reporting(), null);
                return;
            }
            EndpointState ep = new EndpointState(spec, hostIf, defaultRoutes.claims(spec, net.spec), ++ensureCount);
            Rollback rollback = new Rollback();
            try {
                endpoints.converge(net, ep, Repairs.creating(), rollback);
            } catch (IOException | RuntimeException e) {
                rollback.run(e);
                throw e;
            }
            net.endpoints.put(spec.id(), ep);
            LOG.info("endpoint ensured network={} endpoint={} if={} address={} hostIf={}", net.id(), spec.id(),
                    spec.ifName(), spec.address(), hostIf);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void removeEndpoint(String networkId, String endpointId) throws IOException {
        lock.lock();
        try {
            NetworkState net = state.get(networkId);
            EndpointState ep = net == null ? null : net.endpoints.get(endpointId);
            if (ep != null) {
                removeEndpointLocked(net, ep);
                LOG.info("endpoint removed network={} endpoint={}", networkId, endpointId);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Every given peer is rewritten (so a retry after a failure reprograms it). A peer whose VTEP is this
     * network's own is a local endpoint: it gets no entries, and a remote entry its IP had is removed.
     * Peer IPs must lie in the network's subnet.
     */
    @Override
    public void upsertPeers(String networkId, Collection<Peer> given) throws IOException {
        lock.lock();
        try {
            NetworkState net = Validation.knownNetwork(state, networkId);
            Validation.peers(net.spec, given);
            peerBatches.upsert(net, given);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void removePeers(String networkId, Collection<InetAddress> peerIps) throws IOException {
        lock.lock();
        try {
            NetworkState net = Validation.knownNetwork(state, networkId);
            peerBatches.remove(net, peerIps);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public ReconcileReport reconcile() throws IOException {
        lock.lock();
        try {
            Repairs repairs = Repairs.reporting();
            IOException failure = null;
            for (NetworkState net : state.values()) {
                try {
                    converge(net, repairs);
                } catch (IOException e) {
                    // One broken network must not keep the others from being repaired.
                    LOG.error("reconcile failed network={} error=\"{}\"", net.id(), e.getMessage());
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            try {
                esp.reconcile(repairs);
            } catch (IOException e) {
                LOG.error("reconcile failed for the IPsec policies and SAs error=\"{}\"", e.getMessage());
                failure = failure == null ? e : failure;
            }
            if (failure != null) {
                throw failure;
            }
            ReconcileReport report = repairs.report();
            LOG.info("reconciled networks={} repairs={}", state.size(), report.repairs().size());
            return report;
        } finally {
            lock.unlock();
        }
    }

    /** Devices, then peers (one batch), then endpoints: the order a fresh network needs them in. */
    private void converge(NetworkState net, Repairs repairs) throws IOException {
        Repairs inside = networks.converge(net, repairs);
        List<KernelChange> peerChanges = peers.converge(net.id(), net.ns, net.peers.values(), inside);
        if (!peerChanges.isEmpty()) {
            kernel.apply(net.ns, peerChanges);
        }
        if (!net.endpoints.isEmpty()) {
            Map<String, Link> netLinks = NetworkConverger.byName(kernel.links(net.ns));
            List<io.jswarm.vxlan.kernel.FdbEntry> netFdb = config.portGuard() ? kernel.fdb(net.ns) : null;
            for (EndpointState ep : net.endpoints.values()) {
                endpoints.converge(net, ep, inside, null, netLinks, netFdb);
            }
        }
    }

    private void removeEndpointLocked(NetworkState net, EndpointState ep) throws IOException {
        endpoints.remove(net, ep);
        net.endpoints.remove(ep.spec().id());
        EndpointSpec spec = ep.spec();
        if (ep.ownsDefaultRoute()) {
            defaultRoutes.handOver(spec, state.values()); // Docker parity: another network of the sandbox takes it
        }
        if (spec.createSandbox() && spec.sandbox() instanceof Netns.AtPath(var path)
                && state.values().stream().flatMap(n -> n.endpoints.values().stream())
                        .noneMatch(other -> other.spec().sandbox().equals(spec.sandbox()))
                && kernel.namespaceExists(path)) {
            kernel.deleteNamespace(path);
        }
    }

    /** Underlay MTU (given, or that of the host device holding the VTEP address) minus the VXLAN overhead. */
    private int overlayMtu(NetworkSpec spec) throws IOException {
        if (spec.underlayMtu() != 0) {
            return spec.overlayMtu(spec.underlayMtu());
        }
        String dev = kernel.addresses(config.hostNs()).stream()
                .filter(a -> a.prefix().address().equals(spec.vtep()))
                .map(Address::dev).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("network " + spec.id() + ": VTEP "
                        + spec.vtep().getHostAddress() + " is not an address of host namespace " + config.hostNs()
                        + " (give the underlay MTU explicitly, or fix the data-path address)"));
        int underlay = kernel.links(config.hostNs()).stream().filter(l -> l.name().equals(dev))
                .mapToInt(Link::mtu).findFirst()
                .orElseThrow(() -> new IOException("device " + dev + " of the VTEP address vanished"));
        if (spec.overlayMtu(underlay) < 68) {
            throw new IllegalArgumentException("network " + spec.id() + ": underlay device " + dev + " MTU "
                    + underlay + " is too small for VXLAN" + (spec.encrypted() ? " in ESP" : ""));
        }
        return spec.overlayMtu(underlay);
    }
}
