package io.jswarm.vxlan;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects what a convergence pass changed. The same code creates a network and repairs it, so whether a
 * difference is a "repair" depends on the caller: while creating something for the first time the
 * collector is {@linkplain #creating() muted} (a missing bridge is expected, not drift).
 */
final class Repairs {
    private static final Logger LOG = LoggerFactory.getLogger(Repairs.class);
    private final boolean muted;
    private final List<ReconcileReport.Repair> found;

    private Repairs(boolean muted, List<ReconcileReport.Repair> found) {
        this.muted = muted;
        this.found = found;
    }

    /** Reports and logs every difference (reconcile, and ensure calls that find drift). */
    static Repairs reporting() {
        return new Repairs(false, new ArrayList<>());
    }

    /** Records nothing: for objects that are being created now. */
    static Repairs creating() {
        return new Repairs(true, new ArrayList<>());
    }

    /** A muted view sharing this collector, for what follows from a repair already reported. */
    Repairs muted() {
        return new Repairs(true, found);
    }

    boolean isMuted() {
        return muted;
    }

    void add(String networkId, ReconcileReport.Kind kind, String detail) {
        if (muted) {
            LOG.debug("creating network={} kind={} detail=\"{}\"", networkId, kind, detail);
            return;
        }
        LOG.warn("repairing drift network={} kind={} detail=\"{}\"", networkId, kind, detail);
        found.add(new ReconcileReport.Repair(networkId, kind, detail));
    }

    ReconcileReport report() {
        return new ReconcileReport(found);
    }
}
