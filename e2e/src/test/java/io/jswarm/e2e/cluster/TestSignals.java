package io.jswarm.e2e.cluster;

import io.jswarm.vxlan.testing.TestNamespaces;

/** Sends a signal to one process this test started, by its PID (never by name). */
final class TestSignals {
    private TestSignals() {
    }

    static void signal(Process p, String signal) {
        if (!p.isAlive()) {
            throw new IllegalStateException("process " + p.pid() + " is not running");
        }
        TestNamespaces.run("kill", "-" + signal, Long.toString(p.pid()));
    }
}
