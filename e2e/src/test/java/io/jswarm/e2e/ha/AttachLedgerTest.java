package io.jswarm.e2e.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.e2e.ha.AttachLedger.Kind;
import io.jswarm.e2e.ha.AttachLedger.Op;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checker the HA proof rests on: it must catch a duplicate, a lost attach and a leftover of a failed one. */
class AttachLedgerTest {

    private static Op attached(String name, String ip, long start) {
        return new Op(Kind.ATTACHED, 1, name, ip, null, start, start + 10);
    }

    @Test
    void anAddressSeenWithTwoSandboxesIsADuplicateWhereverItWasSeen() {
        AttachLedger l = new AttachLedger();
        l.record(attached("a", "10.0.0.2", 0));
        l.record(attached("b", "10.0.0.3", 0));
        assertEquals(0, l.duplicateAddresses());
        l.observe("kernel of h2", "a", "10.0.0.2"); // the same binding again: fine
        assertEquals(0, l.duplicateAddresses());
        l.observe("kernel of h2", "c", "10.0.0.3"); // a sandbox nobody attached holds b's address
        assertEquals(1, l.duplicateAddresses());
        assertTrue(l.duplicates().getFirst().contains("10.0.0.3"), l.duplicates().toString());
        // Even after b is detached, its address is never anyone else's: "at most once, ever".
        l.record(new Op(Kind.DETACHED, 1, "b", null, null, 20, 30));
        l.record(attached("d", "10.0.0.2", 40));
        assertEquals(2, l.duplicateAddresses());
    }

    @Test
    void compareFindsMissingWrongAndLeftOverSandboxes() {
        AttachLedger l = new AttachLedger();
        l.record(attached("a", "10.0.0.2", 0));
        l.record(attached("b", "10.0.0.3", 0));
        l.record(new Op(Kind.ATTACH_FAILED, 2, "f", null, "The swarm does not have a leader.", 0, 5));
        l.record(new Op(Kind.DETACHED, 1, "b", null, null, 20, 30));
        l.record(attached("u", "10.0.0.4", 0));
        l.record(new Op(Kind.DETACH_FAILED, 1, "u", null, "cannot connect", 20, 30));
        assertEquals(List.of(), l.compare("state", Map.of("a", List.of("10.0.0.2")), n -> true));
        assertEquals(List.of(), l.compare("state", Map.of("a", List.of("10.0.0.2"), "u", List.of("10.0.0.4")), n -> true),
                "a failed detach may or may not have removed it");
        assertEquals(List.of("state: a (attached, 10.0.0.2) missing"), l.compare("state", Map.of(), n -> true));
        assertEquals(List.of("state: a has [10.0.0.9], the attach answered 10.0.0.2"),
                l.compare("state", Map.of("a", List.of("10.0.0.9")), n -> true));
        List<String> leftovers = l.compare("kernels", Map.of("a", List.of("10.0.0.2"), "b", List.of("10.0.0.3"),
                "f", List.of("10.0.0.5"), "x", List.of()), n -> !n.equals("x"));
        assertEquals(List.of("kernels: b present, but it was detached", "kernels: f present, but its attach failed"),
                leftovers.stream().sorted().toList());
    }

    @Test
    void anOperationCutByItsOwnDaemonsCrashMayHaveHappenedOrNot() {
        AttachLedger l = new AttachLedger();
        l.record(new Op(Kind.ATTACH_FAILED, 1, "a", null, "Cannot connect to the jswarm daemon", 100, 300));
        l.record(new Op(Kind.ATTACH_FAILED, 2, "b", null, "no leader", 100, 300)); // another host: not cut
        l.crashed(1, 200);
        assertEquals(List.of("state: b present, but its attach failed"),
                l.compare("state", Map.of("a", List.of("10.0.0.2"), "b", List.of("10.0.0.3")), n -> true));
        assertEquals(List.of(), l.compare("state", Map.of(), n -> true));
    }

    @Test
    void theWriteGapIsTheFirstSuccessThatStartedAfterTheKill() {
        AttachLedger l = new AttachLedger();
        l.record(attached("a", "10.0.0.2", 100)); // started before the kill at 150, ended after it: not counted
        l.record(new Op(Kind.ATTACH_FAILED, 1, "b", null, "no leader", 160, 170));
        assertEquals(-1, l.firstSuccessAfter(150));
        l.record(attached("c", "10.0.0.3", 300));
        l.record(attached("d", "10.0.0.4", 200));
        assertEquals(210, l.firstSuccessAfter(150));
    }

    @Test
    void anOperationIsEitherASuccessOrAFailureWithAnError() {
        assertThrows(IllegalArgumentException.class, () -> new Op(Kind.ATTACH_FAILED, 1, "a", null, null, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Op(Kind.ATTACHED, 1, "a", "10.0.0.2", "x", 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Op(Kind.ATTACHED, 1, "a", null, null, 0, 1));
    }
}
