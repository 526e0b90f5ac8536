package io.jswarm.manager.keys;

import com.google.protobuf.ByteString;
import io.jswarm.encryption.esp.DataKeyRoot;
import io.jswarm.encryption.esp.EspKey;
import io.jswarm.encryption.esp.EspKeys;
import io.jswarm.manager.state.StateView;
import io.jswarm.proto.cluster.DataKeys;
import io.jswarm.proto.cluster.PairKey;
import io.jswarm.proto.cluster.PeerKeys;
import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.DataKey;
import io.jswarm.proto.state.DataKeyPhase;
import java.util.Optional;
import java.util.function.Function;

/**
 * The {@link DataKeys} one node gets: for every other current node with a data index and a data-path
 * address, both directions' keys of that pair at every live generation (ascending). Only pairs that include
 * the node, so it learns nothing that decrypts traffic between two others. A pure function of one
 * {@link StateView}, so every key a message holds is of that one state ({@code state_index}).
 */
public final class NodeKeys {
    private NodeKeys() {
    }

    /** Empty if the node is not (or no longer) a member with an index. */
    public static Optional<DataKeys> forNode(StateView s, String nodeId, Function<DataKey, DataKeyRoot> roots) {
        AddNode self = s.node(nodeId).orElse(null);
        if (self == null || self.getDataIndex() == 0) {
            return Optional.empty();
        }
        EspKeys.Node me = new EspKeys.Node(self.getNodeId(), self.getDataIndex());
        DataKeys.Builder b = DataKeys.newBuilder().setStateIndex(s.index()).setSelfIndex(self.getDataIndex())
                .setPrimaryGeneration(s.primaryDataKey().map(DataKey::getGeneration).orElse(0));
        for (AddNode peer : s.nodes()) {
            if (peer.getNodeId().equals(nodeId) || peer.getDataIndex() == 0 || peer.getDataPathAddr().isEmpty()) {
                continue;
            }
            EspKeys.Node other = new EspKeys.Node(peer.getNodeId(), peer.getDataIndex());
            PeerKeys.Builder p = PeerKeys.newBuilder().setNodeId(peer.getNodeId()).setDataPathAddr(peer.getDataPathAddr())
                    .setIndex(peer.getDataIndex());
            for (DataKey k : s.dataKeys()) {
                if (k.getPhase() == DataKeyPhase.DATA_KEY_PHASE_UNSPECIFIED) {
                    continue;
                }
                DataKeyRoot root = roots.apply(k);
                EspKey out = EspKeys.derive(root, k.getGeneration(), me, other);
                EspKey in = EspKeys.derive(root, k.getGeneration(), other, me);
                p.addKeys(PairKey.newBuilder().setGeneration(k.getGeneration())
                        .setOutSpi(out.spi()).setOutKey(ByteString.copyFrom(out.key()))
                        .setInSpi(in.spi()).setInKey(ByteString.copyFrom(in.key())));
            }
            b.addPeers(p);
        }
        return Optional.of(b.build());
    }

    /** Whether two messages carry the same keys (ignoring the state index they were derived at). */
    public static boolean sameKeys(DataKeys a, DataKeys b) {
        return a.toBuilder().clearStateIndex().build().equals(b.toBuilder().clearStateIndex().build());
    }

    /** What may be logged about a DataKeys: never a key (protobuf's toString would print them). */
    public static String describe(DataKeys k) {
        return "DataKeys[stateIndex=" + k.getStateIndex() + ", primary=" + k.getPrimaryGeneration() + ", peers="
                + k.getPeersCount() + "]";
    }
}
