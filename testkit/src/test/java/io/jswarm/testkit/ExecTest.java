package io.jswarm.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ExecTest {

    @Test
    void reportsExitCodeAndCombinedOutput() {
        Exec.Result r = Exec.run("sh", "-c", "echo out; echo err >&2; exit 3");
        assertEquals(3, r.exit());
        assertTrue(r.output().contains("out") && r.output().contains("err"), r.output());
        IllegalStateException e = assertThrows(IllegalStateException.class, r::orThrow);
        assertTrue(e.getMessage().contains("exit 3"), e.getMessage());
    }

    @Test
    void feedsLargeInputWhileReadingOutput() {
        // More than a pipe buffer in both directions: a writer that does not read concurrently would deadlock.
        String input = "x".repeat(200_000) + "\n";
        Exec.Result r = Exec.run(30, input, List.of("cat"));
        assertEquals(0, r.exit());
        assertEquals(input, r.output());
    }

    @Test
    void stopsACommandAtItsTimeout() {
        Exec.Result r = Exec.run(1, List.of("sleep", "30"));
        assertEquals(124, r.exit());
        assertTrue(r.output().contains("timed out"), r.output());
    }

    @Test
    void labRefusesBadFamiliesBeforeTouchingTheKernel() {
        // A null kernel proves nothing was called.
        assertThrows(IllegalArgumentException.class, () -> HostLab.create(null, "Bad-Family", 2));
        assertThrows(IllegalArgumentException.class, () -> HostLab.prepare(null, "x"));
    }
}
