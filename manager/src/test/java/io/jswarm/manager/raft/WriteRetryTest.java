package io.jswarm.manager.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.retry.RetryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A manager's write retries for a bounded time, in attempts and in time: an agent whose attach had no answer
 * counts on the write being decided within that (its orphan check looks again after {@code OrphanChecks}'
 * window). Default settings: electionMax 2 s, so at most 50 attempts and 5 s.
 */
class WriteRetryTest {
    private final RetryPolicy policy = RaftRuntime.writeRetry(
            RaftSettings.defaults(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1:0"), () -> true);

    @AfterEach
    void reset() {
        RaftRuntime.WRITE_STARTED.remove();
    }

    private RetryPolicy.Action after(long startedMsAgo, int attempts) {
        RaftRuntime.WRITE_STARTED.set(System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(startedMsAgo));
        return policy.handleAttemptFailure(event(attempts));
    }

    /** Tests' 300 ms elections would give 1.6 s: a lone manager's first write under load outlived it (CI). */
    @Test
    void shortElectionTimeoutsStillRetryForFiveSeconds() {
        RetryPolicy fast = RaftRuntime.writeRetry(RaftSettings.loopback(), () -> true);
        RaftRuntime.WRITE_STARTED.set(System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(2_000));
        assertNotEquals(RetryPolicy.NO_RETRY_ACTION, fast.handleAttemptFailure(event(2)), "2 s old: retried");
        RaftRuntime.WRITE_STARTED.set(System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(5_100));
        assertEquals(RetryPolicy.NO_RETRY_ACTION, fast.handleAttemptFailure(event(2)));
    }

    private static RetryPolicy.Event event(int attempts) {
        return new RetryPolicy.Event() {
            @Override
            public int getAttemptCount() {
                return attempts;
            }

            @Override
            public int getCauseCount() {
                return attempts;
            }
        };
    }

    @Test
    void aWriteRetriesWhileYoungAndStopsWhenOldEvenWithAttemptsLeft() {
        assertNotEquals(RetryPolicy.NO_RETRY_ACTION, after(0, 3), "an election is ridden out");
        assertEquals(RetryPolicy.NO_RETRY_ACTION, after(5_100, 3), "each attempt may have waited a request timeout");
        assertEquals(RetryPolicy.NO_RETRY_ACTION, after(0, 50), "attempts are bounded too");
    }
}
