package io.jswarm.manager.api;

/**
 * One source of evidence about whether nodes are alive. Today the only source is the manager's session
 * registry (a node is alive while its session stream is open and heart-beating). Gossip membership (SWIM)
 * will be a second source: {@link #combine} merges them into the status `node ls` shows.
 */
public interface NodeHealth {
    enum Liveness {
        ALIVE, DEAD, UNKNOWN
    }

    Liveness liveness(String nodeId);

    /**
     * The status from several sources: any source that saw the node die wins (fast detection from
     * whichever notices first), otherwise alive if some source sees it alive, otherwise unknown.
     */
    static Liveness combine(Liveness... sources) {
        boolean alive = false;
        for (Liveness l : sources) {
            if (l == Liveness.DEAD) {
                return Liveness.DEAD;
            }
            alive |= l == Liveness.ALIVE;
        }
        return alive ? Liveness.ALIVE : Liveness.UNKNOWN;
    }
}
