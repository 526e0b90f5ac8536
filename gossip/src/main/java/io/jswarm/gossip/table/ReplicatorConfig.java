package io.jswarm.gossip.table;

/** STUB replaced at merge. */
public record ReplicatorConfig() {
    public static ReplicatorConfig defaults() {
        return new ReplicatorConfig();
    }
}
