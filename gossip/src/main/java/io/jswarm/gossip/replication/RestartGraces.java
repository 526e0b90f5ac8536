package io.jswarm.gossip.replication;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which peers announced a restart and until when, and which of them membership has meanwhile declared gone.
 * While the grace lasts their entries stay visible (a daemon restart must not withdraw every endpoint it owns
 * from every host, only to re-add them seconds later); when it expires with the node still gone, the removal
 * takes effect. Confined to the replicator thread.
 */
final class RestartGraces {
    private final Map<String, Instant> until = new HashMap<>();
    private final Set<String> deferred = new HashSet<>();

    void announced(String node, Instant graceEnd) {
        until.put(node, graceEnd);
    }

    boolean inGrace(String node, Instant now) {
        Instant end = until.get(node);
        return end != null && now.isBefore(end);
    }

    /** Membership removed the node within its grace: remember to fail it if it is not back in time. */
    void defer(String node) {
        deferred.add(node);
    }

    /** The node is back (or no longer of interest): forget its grace and any deferred failure. */
    void clear(String node) {
        until.remove(node);
        deferred.remove(node);
    }

    /** Ends graces that are over; returns the nodes whose deferred failure now takes effect. */
    List<String> expire(Instant now) {
        var failed = new ArrayList<String>();
        until.entrySet().removeIf(e -> {
            if (now.isBefore(e.getValue())) {
                return false;
            }
            if (deferred.remove(e.getKey())) {
                failed.add(e.getKey());
            }
            return true;
        });
        return failed;
    }
}
