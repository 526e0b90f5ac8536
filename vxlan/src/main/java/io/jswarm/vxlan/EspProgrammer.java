package io.jswarm.vxlan;

import io.jswarm.vxlan.ReconcileReport.Kind;
import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelChange.DeleteXfrmPolicy;
import io.jswarm.vxlan.kernel.KernelChange.DeleteXfrmState;
import io.jswarm.vxlan.kernel.KernelChange.SetXfrmPolicy;
import io.jswarm.vxlan.kernel.KernelChange.SetXfrmState;
import io.jswarm.vxlan.kernel.XfrmId;
import io.jswarm.vxlan.kernel.XfrmPolicy;
import io.jswarm.vxlan.kernel.XfrmPolicy.Action;
import io.jswarm.vxlan.kernel.XfrmPolicy.Direction;
import io.jswarm.vxlan.kernel.XfrmPolicy.Template;
import io.jswarm.vxlan.kernel.XfrmSelector;
import io.jswarm.vxlan.kernel.XfrmState;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IPsec half of the host namespace (issue 11): jswarm's ESP SAs and XFRM policies, converged to an
 * {@link EspIntent} like {@link PeerProgrammer} converges FDB entries. What is jswarm's: SAs with reqid
 * {@link Esp#REQID} and policies on UDP port {@link Esp#PORT}; everything else in the namespace is left alone.
 *
 * <p>Desired set for an intent that is on (self S, per peer P):
 * <ul>
 *   <li>per peer and live generation g: SA P→S (spi in_spi(g)) and SA S→P (spi out_spi(g));</li>
 *   <li>per peer with keys of the primary generation: OUT policy S/32 → P/32 udp dport 4799, priority 100,
 *       template spi out_spi(primary);</li>
 *   <li>OUT udp dport 4799 any → any, priority 200, BLOCK: no plaintext ever leaves for a peer without keys;</li>
 *   <li>IN udp dport 4799 any → any, priority 200, template reqid REQID spi any: only what came through one of
 *       jswarm's SAs is delivered (plaintext VXLAN to 4799 is dropped: the CVE-2023-28840 class).</li>
 * </ul>
 *
 * <p><b>Make-before-break order</b> in every batch: new or wrong SAs are written first, then policies (so an OUT
 * template never points at an SA that is not there yet), then unwanted policies are deleted, and SAs last (so no
 * policy points at a deleted SA). Rotation needs nothing else: the manager's phases decide which generations are
 * live and which is primary, and each step is one such batch.
 *
 * <p>Until the first {@link #set} after a start nothing is deleted ({@link #guard} only adds the catch-alls): a
 * restarted agent without keys keeps carrying traffic on the SAs its previous run left. Called under the data
 * plane's lock only.
 */
final class EspProgrammer {
    private static final Logger LOG = LoggerFactory.getLogger(EspProgrammer.class);
    /** The pseudo network id under which XFRM repairs are reported. */
    static final String SCOPE = "ipsec";

    private final Kernel kernel;
    private final Netns hostNs;
    /** The last intent given ({@code null}: none since the start; then XFRM is only added to, never pruned). */
    private EspIntent intent;
    /** This host's VTEP when guards were asked for before any intent. */
    private InetAddress guardedSelf;
    /** Outbound keys ever installed here ({@link SentKeys}: never twice). */
    private SentKeys sent = SentKeys.inMemory();
    /** Generations with an outbound SA that was installed before and is gone (or not ours now): never rewritten. */
    private java.util.Set<Integer> lost = java.util.Set.of();

    EspProgrammer(Kernel kernel, Netns hostNs) {
        this.kernel = kernel;
        this.hostNs = hostNs;
    }

    EspIntent intent() {
        return intent;
    }

    void useSentKeys(SentKeys ledger) {
        this.sent = ledger;
    }

    /** Generations whose outbound SA to some peer was lost after it was installed (see {@link SentKeys}). */
    java.util.Set<Integer> lost() {
        return lost;
    }

    /** Makes the kernel hold exactly {@code next} (remembered first: a failure half-way is finished by reconcile). */
    void set(EspIntent next) throws IOException {
        intent = next;
        int n = apply(desired(next), true, Repairs.creating());
        LOG.info("ipsec set peers={} primary={} changes={}", next.peers().size(), next.primary(), n);
    }

    /**
     * Before an encrypted network's devices exist: the two catch-all policies, so nothing of it is ever sent or
     * accepted in plaintext. Deletes nothing. Without a prior {@link #set}, reconcile keeps repairing them.
     */
    void guard(InetAddress self) throws IOException {
        if (intent != null && intent.on()) {
            apply(desired(intent), true, Repairs.creating());
            return;
        }
        if (intent != null) {
            set(EspIntent.guardsOnly(self)); // was off: there is nothing of ours to keep
            return;
        }
        guardedSelf = self;
        apply(desired(EspIntent.guardsOnly(self)), false, Repairs.creating());
    }

    /** Repairs differences from the intent (or, before the first one, adds missing guards only). */
    void reconcile(Repairs repairs) throws IOException {
        if (intent != null) {
            apply(desired(intent), true, repairs);
        } else if (guardedSelf != null) {
            apply(desired(EspIntent.guardsOnly(guardedSelf)), false, repairs);
        }
    }

    private int apply(Desired want, boolean prune, Repairs repairs) throws IOException {
        List<XfrmState> have = kernel.xfrmStates(hostNs);
        List<SentKeys.Sent> fresh = new ArrayList<>();
        List<KernelChange> changes = onceOnly(changes(want, have, kernel.xfrmPolicies(hostNs), prune, repairs), have,
                repairs, fresh);
        if (!changes.isEmpty()) {
            try {
                kernel.apply(hostNs, changes);
            } catch (IOException | RuntimeException e) {
                // Keys whose SA the kernel did not take were never used: forget them, or the next try would call
                // them lost. Keys of SAs that are there stay recorded.
                if (!fresh.isEmpty()) {
                    java.util.Set<String> there = new java.util.HashSet<>();
                    kernel.xfrmStates(hostNs).forEach(s -> there.add(SentKeys.fingerprint(s.key())));
                    sent.forget(fresh.stream().filter(k -> !there.contains(SentKeys.fingerprint(k.key()))).toList());
                }
                throw e;
            }
        }
        return changes.size();
    }

    /**
     * Drops every write of an outbound SA whose key was installed before ({@link SentKeys}): one that is still there
     * with that key is left as it is (rewriting it would reset its sequence numbers), one that is gone or carries
     * another key is reported lost. Records the keys of the outbound SAs still to be written, durably, before
     * they are written.
     */
    private List<KernelChange> onceOnly(List<KernelChange> changes, List<XfrmState> have, Repairs repairs,
                                        List<SentKeys.Sent> fresh) throws IOException {
        InetAddress self = intent == null ? null : intent.self();
        if (self == null) {
            return changes;
        }
        Map<XfrmId, XfrmState> byId = new LinkedHashMap<>();
        have.forEach(s -> byId.put(s.id(), s));
        Map<Integer, Integer> generationBySpi = new java.util.HashMap<>();
        for (EspIntent.Peer p : intent.peers()) {
            p.generations().forEach(g -> generationBySpi.put(g.outSpi(), g.generation()));
        }
        List<KernelChange> out = new ArrayList<>();
        java.util.Set<Integer> nowLost = new java.util.TreeSet<>();
        for (KernelChange c : changes) {
            if (c instanceof SetXfrmState set && set.state().src().equals(self)) {
                byte[] key = set.state().key();
                int generation = generationBySpi.getOrDefault(set.state().spi(), 0);
                if (sent.contains(key)) {
                    XfrmState there = byId.get(set.state().id());
                    if (there == null || !java.util.Arrays.equals(there.key(), key)) {
                        nowLost.add(generation);
                        repairs.add(SCOPE, Kind.XFRM_STATE_LOST, set.state().toString());
                    }
                    continue; // never written twice
                }
                fresh.add(new SentKeys.Sent(generation, key));
            }
            out.add(c);
        }
        if (!fresh.isEmpty()) {
            sent.record(fresh);
        }
        intent.peers().stream().flatMap(p -> p.generations().stream()).mapToInt(EspIntent.Generation::generation)
                .min().ifPresent(oldest -> {
                    try {
                        sent.retainFrom(oldest);
                    } catch (IOException e) {
                        LOG.warn("sent-keys ledger not pruned error={}", e.toString());
                    }
                });
        if (!nowLost.isEmpty()) {
            LOG.warn("ipsec outbound SAs lost after they were installed generations={}: not written again (their keys "
                    + "would reuse GCM nonces); the pair waits for a key rotation", nowLost);
        }
        lost = java.util.Set.copyOf(nowLost);
        return out;
    }

    /** The SAs (by id) and policies (by normalised key) an intent asks for. */
    record Desired(Map<XfrmId, XfrmState> states, Map<XfrmPolicy.Key, XfrmPolicy> policies) {
    }

    static Desired desired(EspIntent in) {
        Map<XfrmId, XfrmState> states = new LinkedHashMap<>();
        Map<XfrmPolicy.Key, XfrmPolicy> policies = new LinkedHashMap<>();
        if (!in.on()) {
            return new Desired(states, policies);
        }
        InetAddress self = in.self();
        for (EspIntent.Peer p : in.peers()) {
            for (EspIntent.Generation g : p.generations()) {
                XfrmState rx = new XfrmState(p.vtep(), self, g.inSpi(), Esp.REQID, g.inKey(), Esp.REPLAY_WINDOW,
                        in.limits());
                XfrmState tx = new XfrmState(self, p.vtep(), g.outSpi(), Esp.REQID, g.outKey(), Esp.REPLAY_WINDOW,
                        in.limits());
                states.put(rx.id(), rx);
                states.put(tx.id(), tx);
            }
            EspIntent.Generation primary = p.generation(in.primary());
            if (primary != null) {
                XfrmPolicy out = new XfrmPolicy(new XfrmSelector(IpPrefix.of(self, 32), IpPrefix.of(p.vtep(), 32),
                        XfrmSelector.UDP, Esp.PORT), Direction.OUT, Esp.PEER_PRIORITY, Action.ALLOW,
                        new Template(self, p.vtep(), primary.outSpi(), Esp.REQID));
                policies.put(normal(out.key()), out);
            }
        }
        XfrmPolicy block = new XfrmPolicy(XfrmSelector.udpTo(Esp.PORT), Direction.OUT, Esp.CATCH_ALL_PRIORITY,
                Action.BLOCK, null);
        XfrmPolicy onlyEsp = new XfrmPolicy(XfrmSelector.udpTo(Esp.PORT), Direction.IN, Esp.CATCH_ALL_PRIORITY,
                Action.ALLOW, new Template(null, null, 0, Esp.REQID));
        policies.put(normal(block.key()), block);
        policies.put(normal(onlyEsp.key()), onlyEsp);
        return new Desired(states, policies);
    }

    /**
     * The ordered batch from what the kernel holds to {@code want} (see the class comment for the order).
     * {@code prune}: also delete jswarm's SAs and policies that are not wanted.
     */
    static List<KernelChange> changes(Desired want, List<XfrmState> haveStates, List<XfrmPolicy> havePolicies,
                                      boolean prune, Repairs repairs) {
        Map<XfrmId, XfrmState> ours = new LinkedHashMap<>();
        haveStates.stream().filter(s -> s.reqid() == Esp.REQID).forEach(s -> ours.put(s.id(), s));
        Map<XfrmPolicy.Key, XfrmPolicy> ourPolicies = new LinkedHashMap<>();
        havePolicies.stream().filter(EspProgrammer::isOurs).forEach(p -> ourPolicies.put(normal(p.key()), p));

        List<KernelChange> sets = new ArrayList<>();
        List<KernelChange> policySets = new ArrayList<>();
        List<KernelChange> policyDeletes = new ArrayList<>();
        List<KernelChange> deletes = new ArrayList<>();
        // An SA of another owner on one of our ids is in the way too: it is rewritten as ours.
        Map<XfrmId, XfrmState> anyOwner = new LinkedHashMap<>();
        haveStates.forEach(s -> anyOwner.put(s.id(), s));
        for (XfrmState s : want.states().values()) {
            XfrmState have = anyOwner.get(s.id());
            if (have == null || !have.sameConfig(s)) {
                repairs.add(SCOPE, have == null ? Kind.XFRM_STATE_MISSING : Kind.XFRM_STATE_WRONG, s.toString());
                sets.add(new SetXfrmState(s));
            }
        }
        for (var e : want.policies().entrySet()) {
            XfrmPolicy have = ourPolicies.get(e.getKey());
            if (have == null || !same(have, e.getValue())) {
                repairs.add(SCOPE, have == null ? Kind.XFRM_POLICY_MISSING : Kind.XFRM_POLICY_WRONG, describe(e.getValue()));
                policySets.add(new SetXfrmPolicy(e.getValue()));
            }
        }
        if (prune) {
            for (var e : ourPolicies.entrySet()) {
                if (!want.policies().containsKey(e.getKey())) {
                    repairs.add(SCOPE, Kind.XFRM_POLICY_STALE, describe(e.getValue()));
                    policyDeletes.add(new DeleteXfrmPolicy(e.getValue().key()));
                }
            }
            for (XfrmState s : ours.values()) {
                if (!want.states().containsKey(s.id())) {
                    repairs.add(SCOPE, Kind.XFRM_STATE_STALE, s.toString());
                    deletes.add(new DeleteXfrmState(s.id()));
                }
            }
        }
        List<KernelChange> out = new ArrayList<>(sets);
        out.addAll(policySets);
        out.addAll(policyDeletes);
        out.addAll(deletes);
        return out;
    }

    /** jswarm's policies: every one on UDP port {@link Esp#PORT} (a crashed run's included). */
    static boolean isOurs(XfrmPolicy p) {
        return p.selector().proto() == XfrmSelector.UDP && p.selector().dport() == Esp.PORT;
    }

    /** Equal as the kernel sees it: "any" spelt as null or as 0.0.0.0(/0) is the same. */
    static boolean same(XfrmPolicy a, XfrmPolicy b) {
        return normal(a.key()).equals(normal(b.key())) && a.priority() == b.priority() && a.action() == b.action()
                && (a.action() == Action.BLOCK || normal(a.template()).equals(normal(b.template())));
    }

    static XfrmPolicy.Key normal(XfrmPolicy.Key k) {
        XfrmSelector s = k.selector();
        return new XfrmPolicy.Key(new XfrmSelector(any(s.src()), any(s.dst()), s.proto(), s.dport()), k.dir());
    }

    private static Template normal(Template t) {
        return t == null ? new Template(null, null, 0, 0)
                : new Template(any(t.src()), any(t.dst()), t.spi(), t.reqid());
    }

    private static IpPrefix any(IpPrefix p) {
        return p == null || (p.length() == 0 && p.address().isAnyLocalAddress()) ? null : p;
    }

    private static InetAddress any(InetAddress a) {
        return a == null || a.isAnyLocalAddress() ? null : a;
    }

    private static String describe(XfrmPolicy p) {
        XfrmSelector s = p.selector();
        return "policy " + p.dir() + " " + (s.src() == null ? "any" : s.src()) + " -> "
                + (s.dst() == null ? "any" : s.dst()) + " udp " + s.dport() + " prio " + p.priority() + " " + p.action()
                + (p.template() == null ? "" : " spi 0x" + Integer.toHexString(p.template().spi()));
    }
}
