package io.jswarm.manager.raft;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that this manager's Raft division stopped for good while the store is open. Ratis closes a division
 * whose state machine updater died (session 8's snapshot bug: a {@code NoSuchFileException} in
 * {@code reinitialize}); it then refuses every append ("current state is CLOSED") while the process goes on,
 * answering reads from a state that no longer moves. Nothing inside the process repairs that, but a restart does
 * (Ratis recovers from its directory): so the owner is told once, and the daemon exits for its service manager
 * to start it again.
 *
 * <p>Thread: one daemon scheduler of its own, every {@link #PERIOD_MS}; the callback runs on it, once. A test's
 * look is serialised with the timer's by the monitor (no I/O under it but the division's state read).
 */
final class DivisionWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DivisionWatch.class);
    static final long PERIOD_MS = 1000;
    /**
     * Seen stopped this many checks in a row (30 s). Ratis also closes the division of a manager that was demoted
     * while its log still names it a voter (the others answer its vote requests with "shut down"); its daemon
     * notices the demotion and closes the store within seconds (RoleChanges), which stops this watch. A store
     * still open with a stopped division after that is broken.
     */
    static final int SIGHTINGS = 30;

    private final Supplier<LifeCycle.State> state;
    private final BooleanSupplier voter;
    private volatile Consumer<String> onDead = reason -> { };
    private ScheduledExecutorService timer;
    private int sightings;
    private int needed = SIGHTINGS;
    private boolean told;

    /**
     * @param state the division's life-cycle state (throws if the server no longer has the group)
     * @param voter whether this manager is still a voter, by the division's last configuration and the state's
     *              node list: Ratis closes the division of a manager removed from the configuration (a demote),
     *              which is no death
     */
    DivisionWatch(Supplier<LifeCycle.State> state, BooleanSupplier voter) {
        this.state = state;
        this.voter = voter;
    }

    /** Who hears that the division died (once; on the watch's thread). */
    void onDead(Consumer<String> listener) {
        this.onDead = listener;
    }

    /** Fewer sightings (tests: a stopped division is reported after {@code checks} looks). */
    synchronized void sightings(int checks) {
        needed = checks;
    }

    void start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jswarm-raft-watch");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    /** One look (the timer's, or a test's). */
    synchronized void check() {
        if (told) {
            return;
        }
        String dead;
        try {
            LifeCycle.State s = state.get();
            boolean stopped = s == LifeCycle.State.CLOSING || s == LifeCycle.State.CLOSED || s == LifeCycle.State.EXCEPTION;
            dead = stopped && voter.getAsBoolean() ? "the Raft division is " + s : null;
        } catch (RuntimeException e) {
            dead = null; // no group on the server: removed, or the store closing; nothing to tell either way
        }
        sightings = dead == null ? 0 : sightings + 1;
        if (sightings >= needed) {
            told = true;
            LOG.error("this manager's replicated log stopped while the manager runs: {}; it cannot take or apply "
                    + "changes any more", dead);
            onDead.accept(dead);
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
