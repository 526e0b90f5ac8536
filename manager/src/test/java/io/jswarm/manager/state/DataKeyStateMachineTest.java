package io.jswarm.manager.state;

import static io.jswarm.manager.state.Commands.add;
import static io.jswarm.manager.state.Commands.assertApplied;
import static io.jswarm.manager.state.Commands.init;
import static io.jswarm.manager.state.Commands.remove;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.jswarm.proto.state.AddDataKey;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.CreateNetwork;
import io.jswarm.proto.state.DataKey;
import io.jswarm.proto.state.DataKeyPhase;
import io.jswarm.proto.state.PromoteDataKey;
import io.jswarm.proto.state.RetireDataKey;
import io.jswarm.proto.state.Role;
import io.jswarm.proto.state.Snapshot;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DataKeyStateMachineTest {
    private final StateMachine sm = new StateMachine();
    private long index;

    private Applied apply(Command c) {
        return sm.apply(++index, c);
    }

    static Command addKey(int generation, DataKeyPhase phase) {
        return Command.newBuilder().setAddDataKey(AddDataKey.newBuilder().setReason("test").setKey(DataKey.newBuilder()
                .setGeneration(generation).setPhase(phase).setCreatedAtMillis(generation)
                .setRootSealed(ByteString.copyFromUtf8("sealed-" + generation)))).build();
    }

    static Command promote(int generation) {
        return Command.newBuilder().setPromoteDataKey(PromoteDataKey.newBuilder().setGeneration(generation)).build();
    }

    static Command retire(int generation) {
        return Command.newBuilder().setRetireDataKey(RetireDataKey.newBuilder().setGeneration(generation)).build();
    }

    private List<String> phases() {
        return sm.dataKeys().stream().map(k -> k.getGeneration() + ":" + k.getPhase().name().substring(9)).toList();
    }

    @Test
    void aGenerationIsAddedPromotedAndRetiredInOrder() {
        apply(init("c1"));
        assertEquals(Optional.of("data key generation 1 must start DATA_KEY_PRIMARY (it is the first)"),
                sm.validate(addKey(1, DataKeyPhase.DATA_KEY_INBOUND)));
        assertEquals(new Applied.DataKeyAdded(1, DataKeyPhase.DATA_KEY_PRIMARY, "test"),
                apply(addKey(1, DataKeyPhase.DATA_KEY_PRIMARY)));
        assertTrue(sm.validate(addKey(2, DataKeyPhase.DATA_KEY_PRIMARY)).orElseThrow().contains("must start DATA_KEY_INBOUND"));
        assertTrue(sm.validate(addKey(3, DataKeyPhase.DATA_KEY_INBOUND)).orElseThrow().contains("not the next one (2)"));
        assertApplied(apply(addKey(2, DataKeyPhase.DATA_KEY_INBOUND)));
        assertEquals(List.of("1:PRIMARY", "2:INBOUND"), phases());
        assertTrue(sm.validate(addKey(3, DataKeyPhase.DATA_KEY_INBOUND)).orElseThrow().contains("already under way"));
        assertTrue(sm.validate(retire(1)).orElseThrow().contains("is DATA_KEY_PRIMARY, not RETIRING"));
        assertTrue(sm.validate(promote(1)).orElseThrow().contains("not INBOUND"));
        assertEquals(new Applied.DataKeyPromoted(2, 1), apply(promote(2)));
        assertEquals(List.of("1:RETIRING", "2:PRIMARY"), phases());
        assertEquals(new Applied.DataKeyRetired(1), apply(retire(1)));
        assertEquals(List.of("2:PRIMARY"), phases());
        assertEquals(Optional.of("data key generation 1 not found"), sm.validate(retire(1)));
        assertEquals(2, sm.view().primaryDataKey().orElseThrow().getGeneration());
        assertTrue(sm.view().inboundDataKey().isEmpty());
    }

    @Test
    void atMostThreeLiveAndNoRootlessKey() {
        apply(init("c1"));
        apply(addKey(1, DataKeyPhase.DATA_KEY_PRIMARY));
        apply(addKey(2, DataKeyPhase.DATA_KEY_INBOUND));
        apply(promote(2));
        apply(addKey(3, DataKeyPhase.DATA_KEY_INBOUND));
        apply(promote(3));
        assertEquals(List.of("1:RETIRING", "2:RETIRING", "3:PRIMARY"), phases());
        assertEquals(Optional.of("3 key generations are live; generation 1 must be retired first"),
                sm.validate(addKey(4, DataKeyPhase.DATA_KEY_INBOUND)));
        Command rootless = addKey(4, DataKeyPhase.DATA_KEY_INBOUND).toBuilder()
                .setAddDataKey(AddDataKey.newBuilder().setKey(DataKey.newBuilder().setGeneration(4)
                        .setPhase(DataKeyPhase.DATA_KEY_INBOUND))).build();
        apply(retire(1));
        assertEquals(Optional.of("data key generation 4 has no sealed root"), sm.validate(rootless));
        // A refused command in the log changes nothing on any replica.
        assertInstanceOf(Applied.Refused.class, apply(rootless));
        assertEquals(List.of("2:RETIRING", "3:PRIMARY"), phases());
    }

    @Test
    void keysAreRefusedBeforeTheClusterExists() {
        assertEquals(Optional.of("this node is not part of a swarm"), sm.validate(addKey(1, DataKeyPhase.DATA_KEY_PRIMARY)));
    }

    @Test
    void dataIndexesAreSerialUniqueAndReusedOnlyAfterTheNodeLeft() {
        apply(init("c1"));
        assertEquals(1, ((Applied.NodeAdded) apply(add("n1", Role.ROLE_MANAGER))).node().getDataIndex());
        apply(add("n2", Role.ROLE_WORKER));
        apply(add("n3", Role.ROLE_WORKER));
        apply(remove("n2"));
        assertEquals(4, ((Applied.NodeAdded) apply(add("n4", Role.ROLE_WORKER))).node().getDataIndex(),
                "serial: n2's index is not reused at once");
        assertEquals(2, sm.node("n2").map(AddNode::getDataIndex).orElse(2));
        Command proposed = Command.newBuilder().setAddNode(add("n5", Role.ROLE_WORKER).getAddNode().toBuilder()
                .setDataIndex(9)).build();
        assertEquals(Optional.of("a node's data index is assigned by the manager state, not proposed"), sm.validate(proposed));
    }

    @Test
    void theIndexWrapsAndSkipsCurrentNodes() {
        apply(init("c1"));
        apply(add("n1", Role.ROLE_WORKER)); // 1
        apply(add("n2", Role.ROLE_WORKER)); // 2
        Snapshot s = sm.snapshot().toBuilder().setDataIndexCursor(65534).build();
        StateMachine copy = new StateMachine();
        copy.restore(s);
        assertEquals(65535, ((Applied.NodeAdded) copy.apply(10, add("n3", Role.ROLE_WORKER))).node().getDataIndex());
        assertEquals(3, ((Applied.NodeAdded) copy.apply(11, add("n4", Role.ROLE_WORKER))).node().getDataIndex(),
                "wrapped past 65535, skipping 1 and 2 (held by current nodes)");
    }

    @Test
    void nodesOfAnOlderSnapshotGetIndexesDeterministicallyWhenLoaded() {
        apply(init("c1"));
        apply(add("n1", Role.ROLE_MANAGER));
        apply(add("n2", Role.ROLE_WORKER));
        apply(add("n3", Role.ROLE_WORKER));
        // As an older version wrote it: no indexes, no cursor.
        Snapshot.Builder old = sm.snapshot().toBuilder().clearDataIndexCursor().clearNodes();
        sm.nodes().forEach(n -> old.addNodes(n.toBuilder().clearDataIndex()));
        old.setNodes(1, old.getNodes(1).toBuilder().setDataIndex(1)); // one node already had index 1
        StateMachine a = new StateMachine();
        a.restore(old.build());
        StateMachine b = new StateMachine();
        b.restore(old.build());
        assertEquals(List.of(2, 1, 3), a.nodes().stream().map(AddNode::getDataIndex).toList());
        assertEquals(a.snapshot(), b.snapshot(), "every manager loading it agrees");
        assertEquals(4, ((Applied.NodeAdded) a.apply(20, add("n4", Role.ROLE_WORKER))).node().getDataIndex());
    }

    @Test
    void keysIndexesAndEncryptionSurviveASnapshot() {
        apply(init("c1"));
        apply(add("n1", Role.ROLE_MANAGER));
        apply(addKey(1, DataKeyPhase.DATA_KEY_PRIMARY));
        apply(addKey(2, DataKeyPhase.DATA_KEY_INBOUND));
        var created = (Applied.NetworkCreated) assertApplied(apply(Command.newBuilder().setCreateNetwork(CreateNetwork.newBuilder()
                .setNetworkId("net1").setName("secret").setEncrypted(true)).build()));
        assertTrue(created.network().getEncrypted());
        var plain = (Applied.NetworkCreated) assertApplied(apply(Command.newBuilder().setCreateNetwork(CreateNetwork.newBuilder()
                .setNetworkId("net2").setName("plain")).build()));
        assertFalse(plain.network().getEncrypted());
        StateMachine copy = new StateMachine();
        copy.restore(sm.snapshot());
        assertEquals(sm.snapshot(), copy.snapshot());
        assertEquals(List.of(1, 2), copy.dataKeys().stream().map(DataKey::getGeneration).toList());
        assertEquals(1, copy.snapshot().getDataIndexCursor());
        assertTrue(copy.network("secret").orElseThrow().getEncrypted());
        assertTrue(copy.view().anyEncrypted());
        // The copy continues the rotation where the original was.
        assertEquals(new Applied.DataKeyPromoted(2, 1), copy.apply(index + 1, promote(2)));
    }

    @Test
    void noAppliedResultCarriesARoot() {
        apply(init("c1"));
        Applied a = apply(addKey(1, DataKeyPhase.DATA_KEY_PRIMARY));
        assertFalse(a.toString().contains("sealed-1"), a.toString());
    }
}
