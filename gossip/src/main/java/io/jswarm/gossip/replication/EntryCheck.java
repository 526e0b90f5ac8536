package io.jswarm.gossip.replication;

import io.jswarm.gossip.table.TableEvent;
import java.net.InetAddress;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a received entry (direct event or relayed page alike) may enter a table: the authority check
 * ({@code gossip.grant.GrantAuthority} in daemons). Runs on the replicator thread; must not block.
 */
@FunctionalInterface
public interface EntryCheck {
    /** Accepts everything (tests of the merge rules, tables without grants). */
    EntryCheck ACCEPT_ALL = (networkId, e, from, directory) -> Optional.empty();

    /**
     * Why {@code e} is refused on {@code networkId}, or empty if it may be merged. {@code from} is the
     * TLS-authenticated sender: when it is the entry's owner, the connection already proves who speaks.
     */
    Optional<String> refusal(String networkId, TableEvent e, String from, Directory directory);

    /** What the manager's latest view says, as the replicator holds it. */
    interface Directory {
        /** The nodes with endpoints on the network. */
        Set<String> participants(String networkId);

        /** The node's data-path (VTEP) address, if the view has one. */
        Optional<InetAddress> dataAddress(String nodeId);

        static Directory of(java.util.function.Function<String, Set<String>> participants,
                            java.util.function.Function<String, Optional<InetAddress>> dataAddress) {
            return new Directory() {
                @Override
                public Set<String> participants(String networkId) {
                    return participants.apply(networkId);
                }

                @Override
                public Optional<InetAddress> dataAddress(String nodeId) {
                    return dataAddress.apply(nodeId);
                }
            };
        }
    }
}
