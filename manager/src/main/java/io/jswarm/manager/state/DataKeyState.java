package io.jswarm.manager.state;

import io.jswarm.proto.state.AddDataKey;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.DataKey;
import io.jswarm.proto.state.DataKeyPhase;
import io.jswarm.proto.state.Snapshot;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The data-plane key generations (issue 11) and the nodes' data indexes, part of {@link StateMachine}
 * (deterministic, not thread-safe, like it). A generation is added INBOUND (nodes install it for receiving),
 * promoted to PRIMARY (nodes send with it; the former primary becomes RETIRING and is still received) and
 * retired (removed everywhere). Roots travel sealed; nothing here opens them.
 *
 * <p>Rules that keep SPIs unique ({@code Spi.of}: 8 bits of generation): generations are 1, 2, 3, ...
 * with no gaps and never reused; at most {@link #MAX_LIVE} are live; at most one is INBOUND; the first
 * generation is PRIMARY at once (nothing to switch from), every later one starts INBOUND.
 */
final class DataKeyState {
    static final int MAX_LIVE = 3;
    static final int MAX_INDEX = 0xFFFF;

    /** Live generations, ascending. */
    private final TreeMap<Integer, DataKey> keys = new TreeMap<>();
    /** The last data index handed out (0 before the first). */
    private int indexCursor;

    Optional<String> planAdd(AddDataKey add) {
        DataKey k = add.getKey();
        int expected = keys.isEmpty() ? 1 : keys.lastKey() + 1;
        if (k.getGeneration() != expected) {
            return Optional.of("data key generation " + k.getGeneration() + " is not the next one (" + expected + ")");
        }
        if (k.getRootSealed().isEmpty()) {
            return Optional.of("data key generation " + k.getGeneration() + " has no sealed root");
        }
        DataKeyPhase want = keys.isEmpty() ? DataKeyPhase.DATA_KEY_PRIMARY : DataKeyPhase.DATA_KEY_INBOUND;
        if (k.getPhase() != want) {
            return Optional.of("data key generation " + k.getGeneration() + " must start " + want.name()
                    + (keys.isEmpty() ? " (it is the first)" : ""));
        }
        if (inbound().isPresent()) {
            return Optional.of("a key rotation is already under way (generation " + inbound().get().getGeneration()
                    + " is not promoted yet)");
        }
        if (keys.size() >= MAX_LIVE) {
            return Optional.of(MAX_LIVE + " key generations are live; generation " + keys.firstKey() + " must be retired first");
        }
        return Optional.empty();
    }

    Optional<String> planPromote(int generation) {
        DataKey k = keys.get(generation);
        if (k == null) {
            return Optional.of("data key generation " + generation + " not found");
        }
        return k.getPhase() == DataKeyPhase.DATA_KEY_INBOUND ? Optional.empty()
                : Optional.of("data key generation " + generation + " is " + k.getPhase().name() + ", not INBOUND");
    }

    Optional<String> planRetire(int generation) {
        DataKey k = keys.get(generation);
        if (k == null) {
            return Optional.of("data key generation " + generation + " not found");
        }
        return k.getPhase() == DataKeyPhase.DATA_KEY_RETIRING ? Optional.empty()
                : Optional.of("data key generation " + generation + " is " + k.getPhase().name() + ", not RETIRING");
    }

    void applyAdd(AddDataKey add) {
        keys.put(add.getKey().getGeneration(), add.getKey());
    }

    /** @return the generation that stopped being primary (0: none) */
    int applyPromote(int generation) {
        int former = primary().map(DataKey::getGeneration).orElse(0);
        if (former != 0) {
            keys.put(former, keys.get(former).toBuilder().setPhase(DataKeyPhase.DATA_KEY_RETIRING).build());
        }
        keys.put(generation, keys.get(generation).toBuilder().setPhase(DataKeyPhase.DATA_KEY_PRIMARY).build());
        return former;
    }

    void applyRetire(int generation) {
        keys.remove(generation);
    }

    Optional<DataKey> primary() {
        return keys.values().stream().filter(k -> k.getPhase() == DataKeyPhase.DATA_KEY_PRIMARY).findFirst();
    }

    private Optional<DataKey> inbound() {
        return keys.values().stream().filter(k -> k.getPhase() == DataKeyPhase.DATA_KEY_INBOUND).findFirst();
    }

    List<DataKey> keys() {
        return List.copyOf(keys.values());
    }

    // ---- data indexes: 1..65535, unique among current nodes, serial (an index is reused only after its node left) ----

    /** Why no index can be handed out now (every one taken), or empty. */
    Optional<String> planIndex(Collection<AddNode> current) {
        return current.size() >= MAX_INDEX ? Optional.of("no free data index: " + MAX_INDEX + " nodes are members")
                : Optional.empty();
    }

    /** The next index after the cursor that no current node holds (wrapping 65535 → 1). */
    int nextIndex(Collection<AddNode> current) {
        Set<Integer> used = current.stream().map(AddNode::getDataIndex).collect(Collectors.toSet());
        int i = indexCursor;
        do {
            i = i >= MAX_INDEX ? 1 : i + 1;
        } while (used.contains(i));
        indexCursor = i;
        return i;
    }

    /** Node id → the highest DataKeys state index it acknowledged (issue 12: acks through the log). */
    private final java.util.Map<String, Long> installed = new java.util.TreeMap<>();

    void applyInstalled(String nodeId, long index) {
        installed.merge(nodeId, index, Math::max);
    }

    void nodeGone(String nodeId) {
        installed.remove(nodeId);
    }

    java.util.Map<String, Long> installed() {
        return java.util.Map.copyOf(installed);
    }

    void snapshotInto(Snapshot.Builder b) {
        b.addAllDataKeys(keys.values()).setDataIndexCursor(indexCursor).putAllKeysInstalled(installed);
    }

    /**
     * Restores keys and cursor, then gives every node of an older snapshot (index 0) one, in join order, as a
     * later AddNode would: deterministic, so every manager loading the same snapshot agrees.
     *
     * @return the nodes, with their indexes
     */
    List<AddNode> restore(Snapshot s) {
        keys.clear();
        for (DataKey k : s.getDataKeysList()) {
            if (keys.put(k.getGeneration(), k) != null) {
                throw new IllegalArgumentException("snapshot holds data key generation " + k.getGeneration() + " twice");
            }
        }
        indexCursor = s.getDataIndexCursor();
        installed.clear();
        installed.putAll(s.getKeysInstalledMap());
        List<AddNode> nodes = new ArrayList<>();
        for (AddNode n : s.getNodesList()) {
            if (n.getDataIndex() != 0 && nodes.stream().anyMatch(o -> o.getDataIndex() == n.getDataIndex())) {
                throw new IllegalArgumentException("snapshot holds data index " + n.getDataIndex() + " twice");
            }
            nodes.add(n);
        }
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).getDataIndex() == 0) {
                nodes.set(i, nodes.get(i).toBuilder().setDataIndex(nextIndex(nodes)).build());
            }
        }
        return nodes;
    }
}
