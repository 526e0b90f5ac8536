package io.jswarm.gossip.grant;

import com.google.protobuf.ByteString;
import io.jswarm.encryption.Grants;
import io.jswarm.gossip.table.EntrySealer;
import io.jswarm.gossip.table.EntrySigning;
import io.jswarm.gossip.table.Seal;
import io.jswarm.gossip.table.TableEvent;
import java.security.PrivateKey;
import java.util.Objects;

/** Signs this node's own writes with its entry key (the key its grants name). */
public final class GrantSealer implements EntrySealer {
    private final PrivateKey key;

    public GrantSealer(PrivateKey key) {
        this.key = Objects.requireNonNull(key, "key");
    }

    @Override
    public TableEvent seal(String networkId, TableEvent unsealed) {
        byte[] sig = Grants.signEntry(key, EntrySigning.signedBytes(networkId, unsealed));
        return unsealed.withSeal(new Seal(unsealed.seal().grant(), ByteString.copyFrom(sig)));
    }
}
