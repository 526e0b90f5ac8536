package io.jswarm.agent.net;

import io.grpc.Status;
import io.jswarm.proto.cluster.DataKeys;
import io.jswarm.proto.cluster.NetworkPeer;
import io.jswarm.proto.cluster.NetworkView;
import io.jswarm.proto.cluster.PairKey;
import io.jswarm.proto.cluster.PeerKeys;
import io.jswarm.proto.state.Network;
import io.jswarm.vxlan.Esp;
import io.jswarm.vxlan.EspIntent;
import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.kernel.XfrmEvent;
import io.jswarm.vxlan.kernel.XfrmLimits;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's IPsec state (issue 11), owned by the {@link AgentLoop}: the manager's latest {@link DataKeys}, the
 * intent last handed to the data plane, and the acknowledgement of installed keys.
 *
 * <p>The intent: while this node has a local endpoint on an encrypted network, its peers are the nodes that the
 * view lists on any encrypted network it is on, each with the VTEP the manager gives in {@code DataKeys} (never
 * gossip's); otherwise {@link EspIntent#OFF}. <b>Live restore</b>: until the first {@code DataKeys} after a start
 * nothing is pruned; only the catch-all guards are added before an encrypted network's devices are made, so a
 * restarted daemon keeps its predecessor's SAs carrying traffic. A soft XFRM expire asks the manager for a rotation
 * (once per generation), off the loop.
 */
final class Encryption {
    private static final Logger LOG = LoggerFactory.getLogger(Encryption.class);
    static final String NO_ESP = "this host's kernel cannot do IPsec ESP (rfc4106(gcm(aes))): CONFIG_INET_ESP / esp4 "
            + "module missing";

    private final AgentCore core;
    private final XfrmLimits limits;
    /** The manager's latest keys ({@code null}: none since this start). */
    private DataKeys keys;
    /** What the data plane was last given successfully ({@code null}: nothing yet). */
    private EspIntent applied;
    /** The {@code DataKeys.state_index} the kernel holds; acknowledged once per new value. */
    private long installedIndex = -1;
    private long ackedIndex = -1;
    /** Set from any thread (the daemon wires it, maybe before the loop runs); called on the loop. */
    private volatile LongConsumer ack = index -> { };
    /** Guards were added in this run (an encrypted network was made or restored). */
    private boolean guarded;
    /** Generations a rotation was asked for already (a soft limit fires once per SA; several SAs share one). */
    private final Set<Integer> rotationAsked = new HashSet<>();
    /** Lost outbound generations and when a rotation was last asked for them (System.nanoTime). */
    private final java.util.Map<Integer, Long> lostAskedAt = new java.util.HashMap<>();
    private static final long LOST_RETRY_NANOS = 60_000_000_000L;
    /** The XFRM expire subscription. */
    private volatile AutoCloseable watch;
    /** Runs manager calls off the loop. */
    volatile Consumer<Runnable> background = Runnable::run;

    Encryption(AgentCore core, XfrmLimits limits) {
        this.core = core;
        this.limits = limits;
    }

    /** Subscribes to XFRM expire events (at start; a kernel without them only logs). */
    void watch() {
        try {
            watch = core.dataplane.watchEncryption(this::onXfrm);
        } catch (IOException | RuntimeException e) {
            LOG.warn("no XFRM expire events: soft limits will not ask for key rotations error={}", e.toString());
        }
    }

    /** Ends the subscription; the kernel's SAs stay (live restore). */
    void close() {
        AutoCloseable w = watch;
        if (w != null) {
            try {
                w.close();
            } catch (Exception e) {
                LOG.debug("xfrm watch close error={}", e.toString());
            }
        }
    }

    /** The manager's keys for this node (on the loop). */
    void onKeys(DataKeys k) {
        keys = k;
        refreshQuietly("data keys");
    }

    /** Who to tell the installed {@code state_index} (any thread); a new listener hears the current one (loop). */
    void onInstalled(LongConsumer a) {
        ack = a;
        core.loop.post("keys ack", () -> {
            ackedIndex = -1;
            acknowledge();
        });
    }

    /**
     * Before an encrypted network's devices are made (attach, restore): refused without ESP; else the catch-all
     * guards (no keys yet) or the full intent, so nothing of the network ever travels in plaintext.
     */
    void beforeNetwork(Network n) throws IOException {
        if (!n.getEncrypted()) {
            return;
        }
        if (!core.dataplane.espSupported()) {
            throw Status.FAILED_PRECONDITION.withDescription(NO_ESP).asRuntimeException();
        }
        InetAddress self = IpPrefix.parseAddress(core.local.vtep());
        guarded = true;
        if (keys == null) {
            core.dataplane.guardEncryption(self);
        } else {
            refresh();
        }
    }

    /** Recomputes the intent from the keys, the view and the local endpoints; applies it if it changed. */
    void refresh() throws IOException {
        if (keys == null) {
            return; // live restore: nothing is pruned before the manager's first keys
        }
        EspIntent want = intent();
        if (!want.equals(applied)) {
            core.dataplane.setEncryption(want);
            applied = want;
            core.metrics.ipsecSas(sas(want));
            LOG.info("ipsec intent applied peers={} primary={} keys_index={}", want.peers().size(), want.primary(),
                    keys.getStateIndex());
        }
        installedIndex = keys.getStateIndex();
        acknowledge();
        askForLost();
    }

    /**
     * An outbound SA lost after it was installed is never written again with its key (SentKeys): only fresh keys
     * restore the pair, so the manager is asked for a rotation, again at most once a minute while it stays lost
     * (the manager may refuse one while another runs or within its own spacing).
     */
    private void askForLost() {
        java.util.Set<Integer> lost = core.dataplane.lostEncryption();
        long now = System.nanoTime();
        lostAskedAt.keySet().retainAll(lost);
        for (int generation : lost) {
            Long at = lostAskedAt.get(generation);
            if (generation == 0 || (at != null && now - at < LOST_RETRY_NANOS)) {
                continue;
            }
            lostAskedAt.put(generation, now);
            core.metrics.rotationRequested();
            background.accept(() -> {
                try {
                    boolean started = core.api.get().requestKeyRotation(generation);
                    LOG.info("key rotation requested for a lost outbound SA generation={} started={}", generation, started);
                } catch (RuntimeException e) {
                    LOG.warn("key rotation request failed generation={} error={}", generation, e.toString());
                }
            });
        }
    }

    void refreshQuietly(String why) {
        try {
            refresh();
        } catch (IOException | RuntimeException e) {
            LOG.warn("ipsec intent not applied after {} (reconcile retries) error={}", why, e.toString());
        }
    }

    /** {@code leave}: every SA and policy of jswarm's goes, keys or not (nothing to do if IPsec was never used). */
    void off() {
        if (keys == null && !guarded) {
            return;
        }
        try {
            core.dataplane.setEncryption(EspIntent.OFF);
            applied = EspIntent.OFF;
            core.metrics.ipsecSas(0);
        } catch (IOException | RuntimeException e) {
            LOG.warn("ipsec state not removed error={}", e.toString());
        }
    }

    /** An XFRM event (the watcher's thread): only enqueues. */
    void onXfrm(XfrmEvent e) {
        if (e instanceof XfrmEvent.Expired x && x.reqid() == Esp.REQID) {
            core.loop.post("xfrm expire", () -> expired(x));
        }
    }

    private void expired(XfrmEvent.Expired x) {
        core.metrics.ipsecExpired(x.hard());
        int generation = generationOf(x);
        LOG.info("ipsec SA reached a {} limit dst={} spi=0x{} generation={}", x.hard() ? "hard" : "soft",
                x.id().dst().getHostAddress(), Integer.toHexString(x.id().spi()), generation);
        if (x.hard()) {
            // The kernel deleted it: an inbound SA is written again; an outbound one is lost (never rewritten with
            // its key) and asks for a rotation.
            applied = null;
            refreshQuietly("hard expire");
            return;
        }
        if (generation == 0 || !rotationAsked.add(generation)) {
            return;
        }
        core.metrics.rotationRequested();
        background.accept(() -> {
            boolean started = core.api.get().requestKeyRotation(generation);
            LOG.info("key rotation requested generation={} started={}", generation, started);
        });
    }

    /** The generation of one of our SAs, from the intent that made it (0: not ours or gone). */
    private int generationOf(XfrmEvent.Expired x) {
        if (applied == null) {
            return 0;
        }
        for (EspIntent.Peer p : applied.peers()) {
            for (EspIntent.Generation g : p.generations()) {
                boolean in = x.id().dst().equals(applied.self()) && x.id().spi() == g.inSpi();
                boolean out = x.id().dst().equals(p.vtep()) && x.id().spi() == g.outSpi();
                if (in || out) {
                    return g.generation();
                }
            }
        }
        return 0;
    }

    /** {@code inspect}: the generations installed with that peer (never keys or SPIs). */
    NetworkPeer.Builder describe(NetworkPeer.Builder peer, Network n) {
        if (!n.getEncrypted() || applied == null) {
            return peer;
        }
        applied.peers().stream().filter(p -> p.nodeId().equals(peer.getNodeId())).findFirst().ifPresent(p -> {
            if (p.generation(applied.primary()) != null) {
                peer.setKeyGenerationOut(applied.primary());
            }
            p.generations().forEach(g -> peer.addKeyGenerationsIn(g.generation()));
        });
        return peer;
    }

    private void acknowledge() {
        if (installedIndex > ackedIndex) {
            ackedIndex = installedIndex;
            ack.accept(installedIndex);
        }
    }

    /** The intent for the current keys, view and local endpoints. */
    EspIntent intent() {
        Set<String> encryptedHere = new HashSet<>();
        for (Network n : core.local.networks()) {
            if (n.getEncrypted() && core.local.hasEndpointsOn(n.getNetworkId())) {
                encryptedHere.add(n.getNetworkId());
            }
        }
        if (encryptedHere.isEmpty() || core.local.vtep().isEmpty()) {
            return EspIntent.OFF;
        }
        InetAddress self = IpPrefix.parseAddress(core.local.vtep());
        Set<String> peerNodes = new TreeSet<>();
        for (NetworkView nv : core.view.getNetworksList()) {
            if (encryptedHere.contains(nv.getNetwork().getNetworkId())) {
                peerNodes.addAll(nv.getNodeIdsList());
            }
        }
        peerNodes.remove(core.nodeId);
        List<EspIntent.Peer> peers = new ArrayList<>();
        Set<InetAddress> vteps = new HashSet<>();
        for (PeerKeys pk : keys.getPeersList()) {
            if (!peerNodes.contains(pk.getNodeId()) || pk.getDataPathAddr().isEmpty()) {
                continue;
            }
            try {
                InetAddress vtep = IpPrefix.parseAddress(pk.getDataPathAddr());
                if (vtep.equals(self) || !vteps.add(vtep)) {
                    LOG.warn("ipsec peer skipped node={} vtep={} reason=\"its VTEP is this node's or another peer's\"",
                            pk.getNodeId(), pk.getDataPathAddr());
                    continue;
                }
                List<EspIntent.Generation> gens = new ArrayList<>();
                for (PairKey k : pk.getKeysList()) {
                    gens.add(new EspIntent.Generation(k.getGeneration(), k.getOutSpi(), k.getOutKey().toByteArray(),
                            k.getInSpi(), k.getInKey().toByteArray()));
                }
                peers.add(new EspIntent.Peer(pk.getNodeId(), vtep, gens));
            } catch (IllegalArgumentException bad) {
                LOG.warn("ipsec peer skipped node={} error=\"{}\"", pk.getNodeId(), bad.getMessage());
            }
        }
        return new EspIntent(self, keys.getPrimaryGeneration(), peers, limits);
    }

    private static int sas(EspIntent in) {
        return in.peers().stream().mapToInt(p -> 2 * p.generations().size()).sum();
    }
}
