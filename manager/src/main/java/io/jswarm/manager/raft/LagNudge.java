package io.jswarm.manager.raft;

import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.DivisionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Breaks Ratis' heartbeat-only INCONSISTENCY loop (RATIS-2523): on an idle cluster the leader answers a follower that
 * restarted or was cut off ("send from index N") with heartbeats from a stale next index forever, and that follower
 * never catches up until some client writes. HaClusterE2ETest saw it: a manager restarted, then healed from a
 * partition, still listed old networks 60 s later. A real entry breaks the loop, so the leader appends one: an empty
 * command, which every replica applies as refused ("empty command"), i.e. it changes no state.
 *
 * <p>Thread: one daemon scheduler of its own, every {@link #PERIOD_MS}; the write is asynchronous (never waited on).
 * Only the leader nudges, and only for a follower whose match index stayed below the leader's applied index across
 * two checks: a follower that is merely catching up moves between checks and is left alone, and one that a nudge
 * did not move (down) is nudged again only after {@link #REPEAT_NANOS}.
 */
final class LagNudge implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LagNudge.class);
    static final long PERIOD_MS = 2000;
    /**
     * A follower that is down also stays behind: after a nudge the same picture is nudged again only this much later
     * (one empty entry per 30 s while a manager is down, compacted by the snapshots), a changed one at once.
     */
    static final long REPEAT_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** An empty {@code Command}: parses to KIND_NOT_SET, which the state machine refuses alike on every replica. */
    private static final Message EMPTY_COMMAND = Message.valueOf(org.apache.ratis.thirdparty.com.google.protobuf.ByteString.EMPTY);

    private final Supplier<DivisionInfo> info;
    private final Supplier<org.apache.ratis.client.RaftClient> writer;
    private ScheduledExecutorService timer;
    private long[] previous = new long[0];
    private long[] nudged = new long[0];
    private long nudgedAtNanos;

    LagNudge(Supplier<DivisionInfo> info, Supplier<org.apache.ratis.client.RaftClient> writer) {
        this.info = info;
        this.writer = writer;
    }

    void start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jswarm-raft-nudge");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    private void check() {
        try {
            DivisionInfo i = info.get();
            long[] match = i.isLeader() ? i.getFollowerMatchIndices() : new long[0];
            long now = System.nanoTime();
            long applied = i.getLastAppliedIndex();
            boolean nudge = shouldNudge(previous, match, applied, nudged, now - nudgedAtNanos > REPEAT_NANOS);
            previous = match;
            if (nudge) {
                nudged = match;
                nudgedAtNanos = now;
                LOG.info("a follower is stuck behind the leader's log; appending an empty entry to move it "
                        + "matchIndices={} applied={}", Arrays.toString(match), applied);
                writer.get().async().send(EMPTY_COMMAND);
            }
        } catch (RuntimeException e) {
            LOG.debug("lag check failed error={}", e.toString()); // the store is closing or changing configuration
        }
    }

    /**
     * Whether some follower is behind {@code applied} and did not move since the last check (same followers, in
     * Ratis' order), at a match index it was not nudged at yet ({@code nudged}: the match indexes at the last nudge)
     * unless {@code repeatDue}: a follower a nudge did not move (a manager that is down) waits for the repeat. Pure:
     * the decision under test.
     */
    static boolean shouldNudge(long[] before, long[] now, long applied, long[] nudged, boolean repeatDue) {
        if (before.length != now.length) {
            return false; // the configuration changed: judge at the next check
        }
        for (int f = 0; f < now.length; f++) {
            boolean stuck = now[f] < applied && now[f] == before[f];
            if (stuck && (repeatDue || nudged.length != now.length || nudged[f] != now[f])) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
