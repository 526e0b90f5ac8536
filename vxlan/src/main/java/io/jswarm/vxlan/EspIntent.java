package io.jswarm.vxlan;

import io.jswarm.vxlan.kernel.XfrmLimits;
import io.jswarm.vxlan.kernel.XfrmState;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What this host's IPsec data path should be ({@link Dataplane#setEncryption}): this host's VTEP, the peers it
 * shares an encrypted network with (their VTEP and, per live key generation, the SA keys of both directions), the
 * generation to send with, and the SAs' soft limits. {@link #OFF}: none of jswarm's SAs or policies at all.
 *
 * <p>Keys never appear in {@link #toString()}.
 *
 * @param self    this host's VTEP ({@code null} only for {@link #OFF})
 * @param primary the generation outbound policies use (0: no keys yet; then only the catch-alls hold)
 * @param peers   by VTEP, each once
 * @param limits  soft byte/packet limits of every SA (expire events then ask for a rotation)
 */
public record EspIntent(InetAddress self, int primary, List<Peer> peers, XfrmLimits limits) {
    /** No encrypted network here: every SA and policy of jswarm's goes. */
    public static final EspIntent OFF = new EspIntent(null, 0, List.of(), XfrmLimits.NONE);

    public EspIntent {
        if (self != null && !(self instanceof Inet4Address)) {
            throw new IllegalArgumentException("the VTEP must be IPv4: " + self);
        }
        peers = List.copyOf(peers);
        if (self == null && !peers.isEmpty()) {
            throw new IllegalArgumentException("peers need this host's VTEP");
        }
        if (primary < 0) {
            throw new IllegalArgumentException("generation must not be negative: " + primary);
        }
        limits = limits == null ? XfrmLimits.NONE : limits;
        Set<InetAddress> seen = new HashSet<>();
        for (Peer p : peers) {
            if (p.vtep().equals(self)) {
                throw new IllegalArgumentException("peer " + p.nodeId() + " has this host's own VTEP " + self);
            }
            if (!seen.add(p.vtep())) {
                throw new IllegalArgumentException("two peers share VTEP " + p.vtep().getHostAddress());
            }
        }
    }

    /** On, with no peer keys yet: the catch-alls only (nothing leaves or arrives in plaintext on {@link Esp#PORT}). */
    public static EspIntent guardsOnly(InetAddress self) {
        return new EspIntent(self, 0, List.of(), XfrmLimits.NONE);
    }

    public boolean on() {
        return self != null;
    }

    /**
     * One peer host.
     *
     * @param nodeId      for logs and inspect only
     * @param vtep        its data-path address as the manager knows it (never gossip's)
     * @param generations one per live generation
     */
    public record Peer(String nodeId, InetAddress vtep, List<Generation> generations) {
        public Peer {
            if (nodeId == null || !(vtep instanceof Inet4Address)) {
                throw new IllegalArgumentException("a peer needs a node id and an IPv4 VTEP");
            }
            generations = List.copyOf(generations);
            if (generations.stream().map(Generation::generation).distinct().count() != generations.size()) {
                throw new IllegalArgumentException("peer " + nodeId + ": a generation is given twice");
            }
        }

        /** The keys of generation {@code g}, or null. */
        public Generation generation(int g) {
            return generations.stream().filter(x -> x.generation() == g).findFirst().orElse(null);
        }
    }

    /**
     * The SAs of one pair at one generation: this host → peer ({@code out*}) and peer → this host ({@code in*}).
     * Keys are 20 bytes (AES-128 + salt); never printed.
     */
    public record Generation(int generation, int outSpi, byte[] outKey, int inSpi, byte[] inKey) {
        public Generation {
            if (generation < 1) {
                throw new IllegalArgumentException("generation must be positive: " + generation);
            }
            if (outKey == null || outKey.length != XfrmState.KEY_BYTES || inKey == null
                    || inKey.length != XfrmState.KEY_BYTES) {
                throw new IllegalArgumentException("generation " + generation + ": keys are " + XfrmState.KEY_BYTES
                        + " bytes");
            }
            if (Integer.compareUnsigned(outSpi, 256) < 0 || Integer.compareUnsigned(inSpi, 256) < 0) {
                throw new IllegalArgumentException("generation " + generation + ": SPIs 0..255 are reserved");
            }
            outKey = outKey.clone();
            inKey = inKey.clone();
        }

        @Override
        public byte[] outKey() {
            return outKey.clone();
        }

        @Override
        public byte[] inKey() {
            return inKey.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Generation g && g.generation == generation && g.outSpi == outSpi && g.inSpi == inSpi
                    && java.util.Arrays.equals(g.outKey, outKey) && java.util.Arrays.equals(g.inKey, inKey);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(generation, outSpi, inSpi);
        }

        @Override
        public String toString() {
            return "Generation[" + generation + " out 0x" + Integer.toHexString(outSpi) + " in 0x"
                    + Integer.toHexString(inSpi) + "]";
        }
    }
}
