package io.jswarm.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import io.jswarm.testkit.Exec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/** Small helpers shared by the e2e tests: polling with generous deadlines, pings, shell checks. */
final class Lab {
    /** Every name the e2e tests create starts with this family. */
    static final String FAMILY = "jse2e";

    private Lab() {
    }

    /**
     * Pings {@code ip} from the namespace at {@code ns} until a reply arrives or 20 s pass. A fresh path can
     * lose the first packet (neighbour resolution racing device state), so one failed ping proves nothing;
     * a path that stays dark for 20 s is broken.
     */
    static void assertPings(Path ns, String ip) {
        Exec.Result last = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            last = Exec.ping(ns, ip, 2);
            if (last.ok()) {
                return;
            }
        }
        fail("no reply from " + ip + " in " + ns + " within 20 s; last ping: " + last.output().strip());
    }

    /** Waits up to 20 s for {@code condition}; fails with {@code what} otherwise. */
    static void await(String what, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.get()) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
        fail("timed out after 20 s waiting for " + what);
    }

    /** Runs an iproute2/bridge command inside {@code ns} and returns its output; fails the test if it fails. */
    static String sh(Path ns, String... command) {
        return Exec.inNetns(ns, command).orThrow();
    }
}
