package io.jswarm.gossip.replication;

import static io.jswarm.gossip.replication.Nodes.NET;
import static io.jswarm.gossip.replication.Nodes.record;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jswarm.gossip.table.EndpointTable;
import io.jswarm.gossip.table.TableEvent;
import io.jswarm.gossip.table.Version;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The gate runs the (expensive) check only for entries the table would take: copies of held entries and older
 * ones pass unchecked and change nothing; anything new, and anything refused before, is checked every time.
 */
final class EntryGateTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private final List<TableEvent> checked = new ArrayList<>();
    /** Refuses records named "forged"; remembers what it was asked. */
    private final EntryCheck check = (networkId, e, from, directory) -> {
        checked.add(e);
        return e instanceof TableEvent.Upserted u && u.record().name().equals("forged")
                ? Optional.of("forged") : Optional.empty();
    };
    private final EntryGate gate = new EntryGate(check, EntryCheck.Directory.of(n -> Set.of("a"),
            n -> Optional.empty()), InstantSource.fixed(NOW));
    private final EndpointTable table = new EndpointTable(NET, "local", Duration.ofMinutes(30), 16,
            NOW.toEpochMilli());

    private static TableEvent.Upserted up(long lamport, String name) {
        return new TableEvent.Upserted("e1", new Version(NOW.toEpochMilli() + lamport, "a"), record(name, "a", 1));
    }

    private List<TableEvent> admitAndMerge(TableEvent e) {
        List<TableEvent> in = gate.admit("relay", table, List.of(e));
        table.mergeAll(in, NOW);
        return in;
    }

    @Test
    void copiesAndOlderEntriesAreNotCheckedAndChangeNothing() {
        var v5 = up(5, "web");
        assertEquals(List.of(v5), admitAndMerge(v5));
        assertEquals(List.of(v5), checked);

        assertEquals(List.of(v5), admitAndMerge(v5), "a copy passes, unchecked");
        var older = up(4, "forged");
        assertEquals(List.of(older), admitAndMerge(older), "an older one too: the merge ignores it");
        assertEquals(1, checked.size());
        assertEquals(Optional.of(v5), table.entry("e1"));
        assertEquals(0, gate.refused());

        var v6 = up(6, "web");
        assertEquals(List.of(v6), admitAndMerge(v6));
        assertEquals(List.of(v5, v6), checked, "a newer entry is checked");
    }

    @Test
    void aRefusedEntryIsCheckedAndRefusedEveryTimeItComes() {
        admitAndMerge(up(5, "web"));
        var forged = up(9, "forged");
        for (int i = 0; i < 3; i++) {
            assertEquals(List.of(), admitAndMerge(forged));
        }
        assertEquals(4, checked.size());
        assertEquals(3, gate.refused());
        assertEquals(Optional.of(up(5, "web")), table.entry("e1"));
    }

    @Test
    void theClockBoundHoldsForCopiesToo() {
        var far = new TableEvent.Upserted("e1", new Version(Long.MAX_VALUE, "a"), record("web", "a", 1));
        assertEquals(List.of(), admitAndMerge(far));
        assertEquals(1, gate.refused());
        assertEquals(List.of(), checked);
    }
}
