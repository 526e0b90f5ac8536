package io.jswarm.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.agent.DaemonConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ManagerTimeoutTest {
    /**
     * An attach on a worker may wait for the first view and then for the manager's answer, each up to the
     * daemon's --manager-timeout: the CLI must not give up while the daemon may still answer.
     */
    @Test
    void theCliOutwaitsTheDaemonsLongestAttach() {
        Duration longestAttach = DaemonConfig.MAX_MANAGER_TIMEOUT.multipliedBy(2).plusSeconds(10);
        assertTrue(longestAttach.compareTo(DaemonClient.MANAGER_CALL_TIMEOUT) <= 0,
                longestAttach + " > " + DaemonClient.MANAGER_CALL_TIMEOUT);
    }
}
