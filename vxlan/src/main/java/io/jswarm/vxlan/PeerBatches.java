package io.jswarm.vxlan;

import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.kernel.KernelChange;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A network's peer changes as one kernel batch ({@link KernelDataplane#upsertPeers}, {@link
 * KernelDataplane#removePeers}): the peers are remembered in the {@link NetworkState} before the kernel is asked,
 * and a failed batch restores the previous set in memory and in the kernel; new peers are announced into
 * {@code br0}. It owns no state of its own: it changes the {@code NetworkState} it is given.
 *
 * <p>Threads: callers of {@link KernelDataplane}, always holding its lock (this class takes none).
 */
final class PeerBatches {
    /** KernelDataplane's: these lines were KernelDataplane's before this class was split out, and operators grep them. */
    private static final Logger LOG = LoggerFactory.getLogger(KernelDataplane.class);

    private final Kernel kernel;
    private final PeerProgrammer peers;

    PeerBatches(Kernel kernel, PeerProgrammer peers) {
        this.kernel = kernel;
        this.peers = peers;
    }

    /** Every given peer is rewritten; one behind the network's own VTEP ends the remote entry its IP had. */
    void upsert(NetworkState net, Collection<Peer> given) throws IOException {
        Map<InetAddress, Peer> before = new LinkedHashMap<>(net.peers);
        Map<InetAddress, Peer> after = new LinkedHashMap<>(before);
        // A "peer" behind our own VTEP is a local endpoint: br0 reaches it, and an FDB entry pointing at
        // ourselves would loop. It also ends whatever remote entry its IP had (the endpoint moved here).
        List<Peer> remote = new ArrayList<>();
        List<Peer> gone = new ArrayList<>();
        for (Peer p : PeerProgrammer.dedupe(given)) {
            if (p.vtep().equals(net.spec.vtep())) {
                Peer old = after.remove(p.ip());
                if (old != null) {
                    gone.add(old);
                }
            } else {
                remote.add(p);
                after.put(p.ip(), p);
            }
        }
        List<KernelChange> batch = new ArrayList<>(PeerProgrammer.upsert(before, after, remote));
        batch.addAll(PeerProgrammer.remove(gone, after));
        apply(net, before, after, batch);
        announce(net, PeerProgrammer.appeared(before, remote));
    }

    /** The peers of these IPs go; IPs the network has no peer for are ignored. */
    void remove(NetworkState net, Collection<InetAddress> peerIps) throws IOException {
        Map<InetAddress, Peer> before = new LinkedHashMap<>(net.peers);
        Map<InetAddress, Peer> after = new LinkedHashMap<>(before);
        List<Peer> removed = new ArrayList<>();
        for (InetAddress ip : peerIps) {
            Peer p = after.remove(ip);
            if (p != null) {
                removed.add(p);
            }
        }
        apply(net, before, after, PeerProgrammer.remove(removed, after));
    }

    /**
     * Applies a peer batch. Peers are remembered before the kernel is asked, and on failure the previous
     * peer set is restored in memory and converged back in the kernel, so a failed call changes nothing.
     */
    private void apply(NetworkState net, Map<InetAddress, Peer> before, Map<InetAddress, Peer> after,
                       List<KernelChange> batch) throws IOException {
        if (batch.isEmpty()) {
            return;
        }
        net.peers.clear();
        net.peers.putAll(after);
        try {
            kernel.apply(net.ns, batch);
        } catch (IOException | RuntimeException e) {
            net.peers.clear();
            net.peers.putAll(before);
            try {
                List<KernelChange> back = peers.converge(net.id(), net.ns, before.values(), Repairs.creating());
                if (!back.isEmpty()) {
                    kernel.apply(net.ns, back);
                }
            } catch (IOException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
        LOG.debug("peers programmed network={} changes={} peers={}", net.id(), batch.size(), after.size());
    }

    /**
     * A sandbox that asked for a new peer before its entry existed waits for its 1 s ARP retry ({@code vxlan0}'s
     * proxy dropped the request); announcing the peer into {@code br0} answers it now. Best effort.
     */
    private void announce(NetworkState net, Map<InetAddress, MacAddress> appeared) {
        if (appeared.isEmpty() || net.endpoints.isEmpty()) {
            return;
        }
        try {
            kernel.announce(net.ns, Names.BRIDGE, appeared);
        } catch (IOException | RuntimeException e) {
            LOG.warn("peer announcement failed network={} peers={} error=\"{}\"", net.id(), appeared.size(),
                    e.getMessage());
        }
    }
}
