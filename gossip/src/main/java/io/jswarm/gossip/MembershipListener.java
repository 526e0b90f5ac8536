package io.jswarm.gossip;

/**
 * Receives membership events. Called on one dedicated thread, never concurrently, in event order; must not
 * block (hand long work to another executor). An exception thrown here is logged and does not stop delivery.
 */
@FunctionalInterface
public interface MembershipListener {
    void onEvent(MembershipEvent event);
}
