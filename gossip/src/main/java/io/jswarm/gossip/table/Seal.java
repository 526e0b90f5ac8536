package io.jswarm.gossip.table;

import com.google.protobuf.ByteString;
import io.jswarm.proto.table.SignedGrant;
import java.util.Objects;

/**
 * What binds an entry to its owner: the manager's CA-signed grant for the endpoint and the owner's signature
 * over the entry ({@link EntrySigning}). Carried unchanged by every relay; checked by every receiver.
 *
 * @param grant     the grant as the manager signed it (default instance: none)
 * @param signature the owner's signature (empty: unsigned)
 */
public record Seal(SignedGrant grant, ByteString signature) {
    public static final Seal NONE = new Seal(SignedGrant.getDefaultInstance(), ByteString.EMPTY);

    public Seal {
        Objects.requireNonNull(grant, "grant");
        Objects.requireNonNull(signature, "signature");
    }

    public boolean signed() {
        return !signature.isEmpty();
    }

    public boolean hasGrant() {
        return !grant.getGrant().isEmpty();
    }
}
