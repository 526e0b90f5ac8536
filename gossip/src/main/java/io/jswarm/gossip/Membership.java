package io.jswarm.gossip;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The cluster membership seen from this node. Constructing an implementation starts nothing;
 * {@link #start()} binds, joins and starts failure detection, {@link #stop()} leaves gracefully.
 * Thread-safe.
 */
public interface Membership extends AutoCloseable {
    /** Binds the transport and contacts the seeds; returns once bound (joining continues in the background). */
    void start();

    /** Announces a graceful leave, then closes every connection. Idempotent; blocks for at most a few seconds. */
    void stop();

    /** This node as others see it. */
    MemberInfo self();

    /** The other members currently admitted, by node id (a snapshot, never the local node). */
    Map<String, MemberInfo> members();

    /** Adds a listener for events from now on; pair with {@link #members()} for the initial state. */
    void addListener(MembershipListener listener);

    /**
     * Publishes new metadata for this node; peers see an {@link MembershipEvent.Updated}.
     *
     * @param version must be greater than the current version
     * @return completes when the change is recorded locally and its gossip has started
     */
    CompletableFuture<Void> updateMetadata(InetAddress dataAddress, long version);

    @Override
    default void close() {
        stop();
    }
}
