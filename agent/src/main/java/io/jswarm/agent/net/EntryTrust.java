package io.jswarm.agent.net;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.jswarm.gossip.grant.GrantAuthority;
import io.jswarm.gossip.grant.GrantSealer;
import io.jswarm.gossip.replication.TableTrust;
import io.jswarm.proto.table.EndpointGrant;
import io.jswarm.proto.table.SignedGrant;
import java.security.KeyPair;
import java.security.PublicKey;

/**
 * This node's part in binding entries to their owners (issue 9): its entry key (named in the manager's
 * grants, signs its entries; kept across certificate renewals) and the cluster CA that signs the grants.
 * {@link #NONE}: no key (tests of the agent alone); entries go out unsigned and every entry is believed.
 */
record EntryTrust(KeyPair entryKey, PublicKey ca) {
    static final EntryTrust NONE = new EntryTrust(null, null);

    EntryTrust {
        if ((entryKey == null) != (ca == null)) {
            throw new IllegalArgumentException("an entry key and a CA, or neither");
        }
    }

    /** What the manager puts into this node's grants (empty: no grant). */
    ByteString ownerKey() {
        return entryKey == null ? ByteString.EMPTY : ByteString.copyFrom(entryKey.getPublic().getEncoded());
    }

    TableTrust tableTrust() {
        return entryKey == null ? TableTrust.NONE
                : new TableTrust(new GrantSealer(entryKey.getPrivate()), new GrantAuthority(ca));
    }

    /** The grant's allocation index (0 without a readable grant): its entries carry it. */
    static long allocation(SignedGrant g) {
        if (g.getGrant().isEmpty()) {
            return 0;
        }
        try {
            return EndpointGrant.parseFrom(g.getGrant()).getAllocationIndex();
        } catch (InvalidProtocolBufferException e) {
            return 0;
        }
    }
}
