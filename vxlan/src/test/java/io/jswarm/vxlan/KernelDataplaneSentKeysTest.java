package io.jswarm.vxlan;

import static io.jswarm.vxlan.KernelDataplaneEspTest.B;
import static io.jswarm.vxlan.KernelDataplaneEspTest.SELF;
import static io.jswarm.vxlan.KernelDataplaneEspTest.intent;
import static io.jswarm.vxlan.KernelDataplaneEspTest.key;
import static io.jswarm.vxlan.KernelDataplaneEspTest.peer;
import static io.jswarm.vxlan.KernelDataplaneEspTest.spi;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.XfrmId;
import io.jswarm.vxlan.kernel.XfrmState;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * An outbound ESP key is installed at most once (issue 11, {@link SentKeys}): GCM's nonce is the salt plus the SA's
 * sequence number, which a rewritten SA starts again at 1, so writing a lost outbound SA again with its key would
 * reuse nonces (and the peer's replay window drops it anyway: seen on real kernels). Lost outbound SAs are
 * reported instead; inbound ones are written again; fresh keys (a rotation) restore the pair.
 */
class KernelDataplaneSentKeysTest {
    private final DataplaneFixture f = new DataplaneFixture();
    private final SentKeys ledger = SentKeys.inMemory();

    private Optional<XfrmState> state(XfrmId id) throws IOException {
        return f.kernel.xfrmStates(f.host).stream().filter(s -> s.id().equals(id)).findFirst();
    }

    @Test
    void aDeletedOutboundSaIsReportedLostAndNeverWrittenAgainWithItsKey() throws IOException {
        f.dataplane.useSentKeys(ledger);
        f.dataplane.setEncryption(intent(1, peer("b", B, 2, 1)));
        XfrmId out = new XfrmId(B, spi(1, 1));
        XfrmId in = new XfrmId(SELF, spi(2, 1));
        assertTrue(state(out).isPresent());
        assertEquals(Set.of(), f.dataplane.lostEncryption());

        f.kernel.apply(f.host, new KernelChange.DeleteXfrmState(out), new KernelChange.DeleteXfrmState(in));
        ReconcileReport r = f.dataplane.reconcile();

        assertTrue(state(in).isPresent(), "the inbound SA is written again (the receiver never encrypts with it)");
        assertFalse(state(out).isPresent(), "the outbound SA is not written again with its old key");
        assertEquals(1, r.count(ReconcileReport.Kind.XFRM_STATE_LOST), r.toString());
        assertEquals(Set.of(1), f.dataplane.lostEncryption());
        assertFalse(f.dataplane.reconcile().clean(), "it stays lost");

        // The rotation's fresh generation restores the pair; the lost one is no longer reported once it is retired.
        f.dataplane.setEncryption(intent(1, peer("b", B, 2, 1, 2)));
        assertTrue(state(new XfrmId(B, spi(1, 2))).isPresent(), "generation 2's outbound SA is written");
        f.dataplane.setEncryption(intent(2, peer("b", B, 2, 1, 2)));
        f.dataplane.setEncryption(intent(2, peer("b", B, 2, 2)));
        assertEquals(Set.of(), f.dataplane.lostEncryption());
        assertTrue(f.dataplane.reconcile().clean());
    }

    @Test
    void aRebootThatEmptiedTheKernelDoesNotBringBackOutboundSasOfEarlierRuns() throws IOException {
        f.dataplane.useSentKeys(ledger);
        f.dataplane.setEncryption(intent(1, peer("b", B, 2, 1)));
        // A reboot: the kernel's SAs are gone, the state directory (the ledger) is not; a new daemon starts.
        f.kernel.apply(f.host, new KernelChange.DeleteXfrmState(new XfrmId(B, spi(1, 1))),
                new KernelChange.DeleteXfrmState(new XfrmId(SELF, spi(2, 1))));
        KernelDataplane next = new KernelDataplane(f.kernel, f.config);
        next.useSentKeys(ledger);

        next.setEncryption(intent(1, peer("b", B, 2, 1)));

        assertFalse(state(new XfrmId(B, spi(1, 1))).isPresent(), "no outbound SA under a key of an earlier boot");
        assertTrue(state(new XfrmId(SELF, spi(2, 1))).isPresent());
        assertEquals(Set.of(1), next.lostEncryption());
    }

    @Test
    void aRestartWithTheSasStillInTheKernelKeepsThemUntouched() throws IOException {
        f.dataplane.useSentKeys(ledger);
        f.dataplane.setEncryption(intent(1, peer("b", B, 2, 1)));
        int before = f.kernel.changes(f.host).size();
        KernelDataplane next = new KernelDataplane(f.kernel, f.config);
        next.useSentKeys(ledger);

        next.setEncryption(intent(1, peer("b", B, 2, 1)));

        assertEquals(before, f.kernel.changes(f.host).size(), "live restore: nothing rewritten (sequence numbers kept)");
        assertEquals(Set.of(), next.lostEncryption());
        assertArrayEquals(key(1, 2, 1), state(new XfrmId(B, spi(1, 1))).orElseThrow().key());
    }

    @Test
    void anOutboundSaRewrittenByHandWithAnotherKeyIsLostNotOverwritten() throws IOException {
        f.dataplane.useSentKeys(ledger);
        f.dataplane.setEncryption(intent(1, peer("b", B, 2, 1)));
        f.kernel.apply(f.host, new KernelChange.SetXfrmState(new XfrmState(SELF, B, spi(1, 1), Esp.REQID,
                key(9, 9, 9), Esp.REPLAY_WINDOW, null)));

        f.dataplane.reconcile();

        assertArrayEquals(key(9, 9, 9), state(new XfrmId(B, spi(1, 1))).orElseThrow().key());
        assertEquals(Set.of(1), f.dataplane.lostEncryption());
    }

    @Test
    void theLedgerForgetsRetiredGenerations() throws IOException {
        f.dataplane.useSentKeys(ledger);
        f.dataplane.setEncryption(intent(1, peer("b", B, 2, 1)));
        assertTrue(ledger.contains(key(1, 2, 1)));
        f.dataplane.setEncryption(intent(2, peer("b", B, 2, 1, 2)));
        f.dataplane.setEncryption(intent(2, peer("b", B, 2, 2)));
        assertFalse(ledger.contains(key(1, 2, 1)), "generation 1 is retired: never desired again");
        assertTrue(ledger.contains(key(1, 2, 2)));
        assertFalse(ledger.contains(key(2, 1, 2)), "inbound keys are not recorded");
    }
}
