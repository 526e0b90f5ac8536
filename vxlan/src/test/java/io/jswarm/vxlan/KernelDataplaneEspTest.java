package io.jswarm.vxlan;

import static io.jswarm.vxlan.DataplaneFixture.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.kernel.FakeKernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.XfrmId;
import io.jswarm.vxlan.kernel.XfrmLimits;
import io.jswarm.vxlan.kernel.XfrmPolicy;
import io.jswarm.vxlan.kernel.XfrmPolicy.Action;
import io.jswarm.vxlan.kernel.XfrmPolicy.Direction;
import io.jswarm.vxlan.kernel.XfrmSelector;
import io.jswarm.vxlan.kernel.XfrmState;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The IPsec half of the data plane (issue 11) over the fake kernel: the desired SAs and policies of a node with two
 * peers, rotation in make-before-break order checked after every single kernel change, a removed node's SAs gone in
 * one batch, a restart that deletes nothing before its first intent, crash leftovers pruned, drift repaired, and the
 * encrypted network's port and MTU.
 */
class KernelDataplaneEspTest {
    static final InetAddress SELF = DataplaneFixture.VTEP;        // 192.0.2.1, index 1
    static final InetAddress B = DataplaneFixture.REMOTE_VTEP;    // 192.0.2.2, index 2
    static final InetAddress C = DataplaneFixture.OTHER_VTEP;     // 192.0.2.3, index 3
    static final XfrmLimits LIMITS = XfrmLimits.soft(1L << 40, 1L << 31);

    private final DataplaneFixture f = new DataplaneFixture();

    /** The design's SPI: receiver's numbering, 0x4A | gen | sender index. */
    static int spi(int senderIndex, int g) {
        return 0x4A000000 | (g & 0xFF) << 16 | senderIndex;
    }

    static byte[] key(int from, int to, int g) {
        byte[] k = new byte[XfrmState.KEY_BYTES];
        Arrays.fill(k, (byte) (from * 16 + to));
        k[0] = (byte) g;
        return k;
    }

    static EspIntent.Peer peer(String id, InetAddress vtep, int index, int... generations) {
        return new EspIntent.Peer(id, vtep, Arrays.stream(generations).mapToObj(g -> new EspIntent.Generation(g,
                spi(1, g), key(1, index, g), spi(index, g), key(index, 1, g))).toList());
    }

    static EspIntent intent(int primary, EspIntent.Peer... peers) {
        return new EspIntent(SELF, primary, List.of(peers), LIMITS);
    }

    private List<XfrmState> states() throws IOException {
        return f.kernel.xfrmStates(f.host);
    }

    private Map<XfrmPolicy.Key, XfrmPolicy> policies() throws IOException {
        Map<XfrmPolicy.Key, XfrmPolicy> out = new LinkedHashMap<>();
        f.kernel.xfrmPolicies(f.host).forEach(p -> out.put(p.key(), p));
        return out;
    }

    private static XfrmPolicy.Key peerKey(InetAddress peer) {
        return new XfrmPolicy.Key(new XfrmSelector(IpPrefix.of(SELF, 32), IpPrefix.of(peer, 32), XfrmSelector.UDP,
                Esp.PORT), Direction.OUT);
    }

    private static final XfrmPolicy.Key BLOCK_OUT = new XfrmPolicy.Key(XfrmSelector.udpTo(Esp.PORT), Direction.OUT);
    private static final XfrmPolicy.Key ONLY_ESP_IN = new XfrmPolicy.Key(XfrmSelector.udpTo(Esp.PORT), Direction.IN);

    private static Set<XfrmId> ids(List<XfrmState> states) {
        return states.stream().map(XfrmState::id).collect(Collectors.toSet());
    }

    @Test
    void threeNodesGetPerPairSasPerPeerOutPoliciesAndBothCatchAlls() throws IOException {
        f.dataplane.setEncryption(intent(1, peer("b", B, 2, 1), peer("c", C, 3, 1)));

        Map<XfrmId, XfrmState> sa = states().stream().collect(Collectors.toMap(XfrmState::id, s -> s));
        assertEquals(4, sa.size(), "in + out per peer: " + sa.values());
        XfrmState fromB = sa.get(new XfrmId(SELF, spi(2, 1)));
        assertEquals(B, fromB.src());
        assertTrue(Arrays.equals(key(2, 1, 1), fromB.key()), "B->self uses B->self's key");
        XfrmState toC = sa.get(new XfrmId(C, spi(1, 1)));
        assertEquals(SELF, toC.src());
        assertTrue(Arrays.equals(key(1, 3, 1), toC.key()));
        for (XfrmState s : sa.values()) {
            assertEquals(Esp.REQID, s.reqid());
            assertEquals(Esp.REPLAY_WINDOW, s.replayWindow());
            assertEquals(LIMITS, s.limits());
        }

        Map<XfrmPolicy.Key, XfrmPolicy> p = policies();
        assertEquals(Set.of(peerKey(B), peerKey(C), BLOCK_OUT, ONLY_ESP_IN), p.keySet());
        XfrmPolicy toB = p.get(peerKey(B));
        assertEquals(Esp.PEER_PRIORITY, toB.priority());
        assertEquals(Action.ALLOW, toB.action());
        assertEquals(new XfrmPolicy.Template(SELF, B, spi(1, 1), Esp.REQID), toB.template());
        assertEquals(Action.BLOCK, p.get(BLOCK_OUT).action());
        assertEquals(Esp.CATCH_ALL_PRIORITY, p.get(BLOCK_OUT).priority());
        assertEquals(new XfrmPolicy.Template(null, null, 0, Esp.REQID), p.get(ONLY_ESP_IN).template());
        assertTrue(f.dataplane.reconcile().clean(), "what was set is what reconcile wants");
    }

    /**
     * Add g2 (inbound), promote it, retire g1: after every single change of every batch, each OUT policy's template
     * names an SA the kernel holds, and each peer keeps its OUT policy (never falls back to the block).
     */
    @Test
    void rotationNeverLeavesAPolicyPointingAtAMissingSa() throws IOException {
        f.dataplane.setEncryption(intent(1, peer("b", B, 2, 1), peer("c", C, 3, 1)));
        checkEveryChange(List.of(
                intent(1, peer("b", B, 2, 1, 2), peer("c", C, 3, 1, 2)),   // AddDataKey g2 INBOUND
                intent(2, peer("b", B, 2, 1, 2), peer("c", C, 3, 1, 2)),   // PromoteDataKey g2
                intent(2, peer("b", B, 2, 2), peer("c", C, 3, 2))));       // RetireDataKey g1
        assertEquals(spi(1, 2), policies().get(peerKey(B)).template().spi(), "sending with g2");
        assertEquals(Set.of(new XfrmId(SELF, spi(2, 2)), new XfrmId(B, spi(1, 2)), new XfrmId(SELF, spi(3, 2)),
                new XfrmId(C, spi(1, 2))), ids(states()), "only g2 is left");
    }

    /**
     * A node that missed steps (its session was down) jumps: g2 arrives already primary, or g1 is retired in the
     * same DataKeys that promotes g2. Here the order inside the batch is what keeps the invariant.
     */
    @Test
    void aNodeThatMissedStepsStillNeverPointsAPolicyAtAMissingSa() throws IOException {
        f.dataplane.setEncryption(intent(1, peer("b", B, 2, 1), peer("c", C, 3, 1)));
        checkEveryChange(List.of(
                intent(2, peer("b", B, 2, 1, 2), peer("c", C, 3, 1, 2)),   // add + promote at once
                intent(3, peer("b", B, 2, 3), peer("c", C, 3, 3))));       // add g3, promote it, retire g1 and g2
        assertEquals(spi(1, 3), policies().get(peerKey(C)).template().spi());
        assertEquals(4, states().size());
    }

    /**
     * Applies each intent and replays its one batch change by change: after every change each OUT policy's template
     * names an SA the kernel holds, and each peer keeps its OUT policy (never falls back to the block).
     */
    private void checkEveryChange(List<EspIntent> steps) throws IOException {
        for (EspIntent step : steps) {
            Set<XfrmId> sas = new HashSet<>(ids(states()));
            Map<XfrmPolicy.Key, XfrmPolicy> pols = policies();
            f.kernel.clearRecords();
            f.dataplane.setEncryption(step);
            assertEquals(1, f.kernel.applyCount(), "one batch per step");
            assertFalse(f.kernel.calls().isEmpty());
            for (FakeKernel.Call call : f.kernel.calls()) {
                switch (call.change()) {
                    case KernelChange.SetXfrmState s -> sas.add(s.state().id());
                    case KernelChange.DeleteXfrmState d -> sas.remove(d.id());
                    case KernelChange.SetXfrmPolicy s -> pols.put(s.policy().key(), s.policy());
                    case KernelChange.DeleteXfrmPolicy d -> pols.remove(d.key());
                    default -> throw new AssertionError("unexpected " + call.change());
                }
                for (InetAddress peer : List.of(B, C)) {
                    XfrmPolicy out = pols.get(peerKey(peer));
                    assertTrue(out != null, "peer " + peer + " lost its policy at " + call.change());
                    assertTrue(sas.contains(new XfrmId(out.template().dst(), out.template().spi())),
                            "policy to " + peer + " points at a missing SA after " + call.change());
                }
            }
        }
    }

    @Test
    void aRemovedNodesSasAndPolicyGoInOneBatchAndTheOthersAreUntouched() throws IOException {
        f.dataplane.setEncryption(intent(1, peer("b", B, 2, 1), peer("c", C, 3, 1)));
        List<XfrmState> withC = states().stream().filter(s -> s.src().equals(C) || s.dst().equals(C)).toList();
        f.kernel.clearRecords();

        f.dataplane.setEncryption(intent(1, peer("b", B, 2, 1)));

        assertEquals(1, f.kernel.applyCount());
        assertTrue(states().stream().noneMatch(s -> s.src().equals(C) || s.dst().equals(C)), "C's SAs gone");
        assertFalse(policies().containsKey(peerKey(C)), "C's policy gone");
        assertTrue(policies().containsKey(peerKey(B)));
        assertEquals(3, f.kernel.calls().size(), "the policy and C's two SAs, nothing else: " + f.kernel.calls());
        assertTrue(f.kernel.calls().get(0).change() instanceof KernelChange.DeleteXfrmPolicy, "policy before SAs");
        assertEquals(2, withC.size());
    }

    @Test
    void aRestartDeletesNothingBeforeItsFirstIntentThenConvergesExactly() throws IOException {
        f.dataplane.setEncryption(intent(1, peer("b", B, 2, 1), peer("c", C, 3, 1)));
        var before = f.snapshot();
        KernelDataplane restarted = new KernelDataplane(f.kernel, f.config);

        restarted.guardEncryption(SELF);
        var report = restarted.reconcile();

        assertEquals(before, f.snapshot(), "the previous run's SAs keep carrying traffic");
        assertTrue(report.clean(), report.toString());
        restarted.setEncryption(intent(1, peer("b", B, 2, 1)));
        assertEquals(2, states().size(), "now exactly the desired set");
    }

    @Test
    void guardsBeforeTheFirstIntentAreAddedAndRepairedButNothingIsPruned() throws IOException {
        f.dataplane.guardEncryption(SELF);
        assertEquals(Set.of(BLOCK_OUT, ONLY_ESP_IN), policies().keySet());
        f.kernel.apply(f.host, new KernelChange.DeleteXfrmPolicy(BLOCK_OUT));
        var report = f.dataplane.reconcile();
        assertEquals(1, report.count(ReconcileReport.Kind.XFRM_POLICY_MISSING));
        assertTrue(policies().containsKey(BLOCK_OUT), "the block is back");
    }

    @Test
    void crashLeftoversAreRemovedAndForeignXfrmIsLeftAlone() throws IOException {
        XfrmState stale = new XfrmState(ip("192.0.2.9"), SELF, spi(9, 1), Esp.REQID, key(9, 1, 1), 128, null);
        XfrmState foreign = new XfrmState(ip("192.0.2.9"), SELF, 0x1000, 7, key(9, 1, 1), 32, null);
        XfrmPolicy stalePolicy = new XfrmPolicy(new XfrmSelector(IpPrefix.of(SELF, 32), IpPrefix.parse("192.0.2.9/32"),
                XfrmSelector.UDP, Esp.PORT), Direction.OUT, 100, Action.ALLOW,
                new XfrmPolicy.Template(SELF, ip("192.0.2.9"), spi(1, 1), Esp.REQID));
        XfrmPolicy foreignPolicy = new XfrmPolicy(XfrmSelector.udpTo(500), Direction.IN, 50, Action.ALLOW, null);
        f.kernel.apply(f.host, new KernelChange.SetXfrmState(stale), new KernelChange.SetXfrmState(foreign),
                new KernelChange.SetXfrmPolicy(stalePolicy), new KernelChange.SetXfrmPolicy(foreignPolicy));

        f.dataplane.setEncryption(intent(1, peer("b", B, 2, 1)));

        assertFalse(ids(states()).contains(stale.id()), "a crashed run's SA (our reqid) is gone");
        assertTrue(ids(states()).contains(foreign.id()), "another owner's SA stays");
        assertFalse(policies().containsKey(stalePolicy.key()), "a policy on 4799 nobody wants is gone");
        assertTrue(policies().containsKey(foreignPolicy.key()), "a policy on another port stays");

        f.dataplane.setEncryption(EspIntent.OFF);
        assertEquals(List.of(foreign), states(), "off: none of ours is left");
        assertEquals(Set.of(foreignPolicy.key()), policies().keySet());
    }

    @Test
    void reconcileRepairsADeletedSaAWrongPolicyAndAnIntruder() throws IOException {
        f.dataplane.setEncryption(intent(1, peer("b", B, 2, 1)));
        // The inbound SA (B -> self): written again (an outbound one never is: KernelDataplaneSentKeysTest).
        f.kernel.apply(f.host, new KernelChange.DeleteXfrmState(new XfrmId(SELF, spi(2, 1))),
                new KernelChange.SetXfrmPolicy(new XfrmPolicy(XfrmSelector.udpTo(Esp.PORT), Direction.IN, 200,
                        Action.ALLOW, null)),
                new KernelChange.SetXfrmState(new XfrmState(ip("192.0.2.7"), SELF, spi(7, 1), Esp.REQID,
                        key(7, 1, 1), 128, null)));

        ReconcileReport r = f.dataplane.reconcile();

        assertEquals(1, r.count(ReconcileReport.Kind.XFRM_STATE_MISSING), r.toString());
        assertEquals(1, r.count(ReconcileReport.Kind.XFRM_POLICY_WRONG), "an IN policy without a template accepts "
                + "plaintext: " + r);
        assertEquals(1, r.count(ReconcileReport.Kind.XFRM_STATE_STALE), r.toString());
        assertTrue(f.dataplane.reconcile().clean());
        assertEquals(new XfrmPolicy.Template(null, null, 0, Esp.REQID), policies().get(ONLY_ESP_IN).template());
    }

    @Test
    void anEncryptedNetworkUsesPort4799AndTheEspMtu() throws IOException {
        NetworkSpec enc = NetworkSpec.of("enc1", 4099, "10.0.9.1/24", SELF).withEncryption();
        f.dataplane.ensureNetwork(enc);
        var vx = f.link(f.netns(enc), Names.VXLAN).orElseThrow();
        assertEquals(1416, vx.mtu(), "1500 - 50 - 34 (ESP), padded");
        assertEquals(Esp.PORT, vx.vxlan().port());
        assertEquals(1416, f.link(f.netns(enc), Names.BRIDGE).orElseThrow().mtu());

        var plain = NetworkSpec.of("pl1", 4100, "10.0.8.1/24", SELF);
        assertThrows(IllegalArgumentException.class, () -> new NetworkSpec("pl1", Vni.of(4100),
                IpPrefix.parse("10.0.8.1/24"), SELF, Esp.PORT, 0), "4799 is the encrypted networks' port");
        assertThrows(IllegalArgumentException.class, () -> new NetworkSpec("pl1", Vni.of(4100),
                IpPrefix.parse("10.0.8.1/24"), SELF, 4789, 0, true), "an encrypted network on 4789");
        assertEquals(4789, plain.port());
    }

    @Test
    void overlayMtuIsTheLargestThatFitsWithPadding() {
        assertEquals(1416, Esp.overlayMtu(1500));
        assertEquals(8916, Esp.overlayMtu(9000));
        for (int u = 200; u <= 9000; u++) {
            int m = Esp.overlayMtu(u);
            int pad = Math.floorMod(-(m + 32), 4);
            assertTrue(m + 84 + pad <= u, "fits at " + u);
            int m1 = m + 1;
            int pad1 = Math.floorMod(-(m1 + 32), 4);
            assertTrue(m1 + 84 + pad1 > u, "largest at " + u);
            assertTrue(Esp.overlayMtu(Esp.underlayFor(m)) >= m, "underlayFor inverts at " + m);
        }
    }

    @Test
    void keysNeverAppearInTheIntentsText() {
        String text = intent(1, peer("b", B, 2, 1)).toString();
        assertFalse(text.contains(Arrays.toString(key(1, 2, 1))), text);
        assertFalse(text.contains("[B@"), text);
    }
}
