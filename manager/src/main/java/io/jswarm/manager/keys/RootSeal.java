package io.jswarm.manager.keys;

import com.google.protobuf.ByteString;
import io.jswarm.encryption.SecretSeal;
import io.jswarm.encryption.esp.DataKeyRoot;
import io.jswarm.proto.state.DataKey;

/**
 * Data-key roots as the command log and snapshots hold them: sealed with the manager's {@link SecretSeal}
 * (the join secrets' key, {@code swarm/ca/secrets.key}, owner-only), bound to the cluster and generation,
 * so a copy of {@code raft/} holds no key and a sealed root cannot be replayed as another generation's.
 */
public final class RootSeal {
    private final SecretSeal seal;
    private final String clusterId;

    public RootSeal(SecretSeal seal, String clusterId) {
        this.seal = seal;
        this.clusterId = clusterId;
    }

    public ByteString seal(DataKeyRoot root, int generation) {
        return ByteString.copyFrom(seal.seal(root.encoded(), context(generation)));
    }

    /** @throws IllegalArgumentException if it does not open with this key, cluster and generation */
    public DataKeyRoot open(DataKey key) {
        return DataKeyRoot.decode(seal.open(key.getRootSealed().toByteArray(), context(key.getGeneration())));
    }

    private String context(int generation) {
        return "jswarm data key root/" + clusterId + "/" + generation;
    }
}
