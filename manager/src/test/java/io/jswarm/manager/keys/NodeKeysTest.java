package io.jswarm.manager.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.jswarm.encryption.SecretSeal;
import io.jswarm.encryption.esp.DataKeyRoot;
import io.jswarm.encryption.esp.EspKeys;
import io.jswarm.encryption.esp.Spi;
import io.jswarm.manager.state.LocalCommandLog;
import io.jswarm.manager.state.ManagerStore;
import io.jswarm.proto.cluster.DataKeys;
import io.jswarm.proto.cluster.PairKey;
import io.jswarm.proto.cluster.PeerKeys;
import io.jswarm.proto.state.AddDataKey;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.AddressPool;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.DataKey;
import io.jswarm.proto.state.DataKeyPhase;
import io.jswarm.proto.state.InitCluster;
import io.jswarm.proto.state.Role;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeKeysTest {
    @TempDir
    Path dir;

    private final RootSeal seal = new RootSeal(new SecretSeal(new byte[32], new SecureRandom()), "c1");

    private ManagerStore store(int generations) throws Exception {
        ManagerStore s = ManagerStore.open(LocalCommandLog.open(dir.resolve("raft" + generations)), 1000);
        s.submit(Command.newBuilder().setInitCluster(InitCluster.newBuilder().setClusterId("c1")
                .setDefaultAddressPool(AddressPool.newBuilder().addCidrs("10.0.0.0/8").setMaskLength(24))).build());
        String[] ids = {"a", "b", "c"};
        for (int i = 0; i < ids.length; i++) {
            s.submit(Command.newBuilder().setAddNode(AddNode.newBuilder().setNodeId(ids[i]).setRole(Role.ROLE_WORKER)
                    .setDataPathAddr("192.0.2." + (11 + i))).build());
        }
        s.submit(Command.newBuilder().setAddNode(AddNode.newBuilder().setNodeId("novtep").setRole(Role.ROLE_WORKER)).build());
        for (int g = 1; g <= generations; g++) {
            s.submit(Command.newBuilder().setAddDataKey(AddDataKey.newBuilder().setReason("t").setKey(DataKey.newBuilder()
                    .setGeneration(g).setPhase(g == 1 ? DataKeyPhase.DATA_KEY_PRIMARY : DataKeyPhase.DATA_KEY_INBOUND)
                    .setRootSealed(seal.seal(DataKeyRoot.generate(new SecureRandom()), g)))).build());
        }
        return s;
    }

    @Test
    void eachNodeGetsBothDirectionsOfItsOwnPairsOnlyAndBothEndsAgree() throws Exception {
        try (ManagerStore s = store(2)) {
            var view = s.view();
            DataKeys a = NodeKeys.forNode(view, "a", seal::open).orElseThrow();
            DataKeys b = NodeKeys.forNode(view, "b", seal::open).orElseThrow();
            DataKeys c = NodeKeys.forNode(view, "c", seal::open).orElseThrow();
            assertEquals(view.index(), a.getStateIndex());
            assertEquals(1, a.getPrimaryGeneration());
            assertEquals(1, a.getSelfIndex());
            assertEquals(List.of("b", "c"), a.getPeersList().stream().map(PeerKeys::getNodeId).toList(),
                    "not itself, not a node without a data-path address");
            PeerKeys aToB = a.getPeers(0);
            assertEquals("192.0.2.12", aToB.getDataPathAddr());
            assertEquals(2, aToB.getIndex());
            assertEquals(List.of(1, 2), aToB.getKeysList().stream().map(PairKey::getGeneration).toList());
            PeerKeys bToA = b.getPeers(0);
            for (int g = 0; g < 2; g++) {
                PairKey ab = aToB.getKeys(g);
                PairKey ba = bToA.getKeys(g);
                assertEquals(ab.getOutKey(), ba.getInKey(), "what a sends to b, b receives with");
                assertEquals(ab.getOutSpi(), ba.getInSpi());
                assertEquals(Spi.of(1, g + 1), ab.getOutSpi(), "b numbers a's SA by a's index");
                assertEquals(ab.getInKey(), ba.getOutKey());
                assertNotEquals(ab.getOutKey(), ab.getInKey(), "the two directions differ");
                assertEquals(20, ab.getOutKey().size());
            }
            // c learns nothing of the a-b pair.
            Set<ByteString> ofC = new HashSet<>();
            c.getPeersList().forEach(p -> p.getKeysList().forEach(k -> {
                ofC.add(k.getOutKey());
                ofC.add(k.getInKey());
            }));
            aToB.getKeysList().forEach(k -> {
                assertFalse(ofC.contains(k.getOutKey()));
                assertFalse(ofC.contains(k.getInKey()));
            });
            assertTrue(NodeKeys.forNode(view, "gone", seal::open).isEmpty());
        }
    }

    @Test
    void sameKeysIgnoresTheStateIndexAndDescribeNeverPrintsAKey() throws Exception {
        try (ManagerStore s = store(1)) {
            DataKeys a = NodeKeys.forNode(s.view(), "a", seal::open).orElseThrow();
            assertTrue(NodeKeys.sameKeys(a, a.toBuilder().setStateIndex(99).build()));
            assertFalse(NodeKeys.sameKeys(a, a.toBuilder().setPrimaryGeneration(2).build()));
            String text = NodeKeys.describe(a);
            String key = HexFormat.of().formatHex(a.getPeers(0).getKeys(0).getOutKey().toByteArray());
            assertFalse(text.contains(key) || text.contains(a.getPeers(0).getKeys(0).getOutKey().toStringUtf8()), text);
            assertEquals("DataKeys[stateIndex=" + a.getStateIndex() + ", primary=1, peers=2]", text);
            // What the manager derives is exactly EspKeys of the opened root (the agent side relies on nothing else).
            DataKeyRoot root = seal.open(s.view().dataKeys().getFirst());
            assertEquals(ByteString.copyFrom(EspKeys.derive(root, 1, new EspKeys.Node("a", 1), new EspKeys.Node("b", 2)).key()),
                    a.getPeers(0).getKeys(0).getOutKey());
        }
    }
}
