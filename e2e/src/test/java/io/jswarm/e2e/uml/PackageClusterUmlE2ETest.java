package io.jswarm.e2e.uml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jswarm.testkit.Exec;
import io.jswarm.testkit.UmlLab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The release path on separate kernels: three User-Mode Linux guests install the .deb this build made
 * (dpkg -i), run jswarm.service's ExecStart as systemd would (guests have no systemd: {@code jsuml-service} reads
 * the unit), form a swarm, attach one sandbox each to an attachable overlay and ping every pair by name; a guest
 * powered off hard is withdrawn on the others and comes back when it boots; an upgrade to a newer package under
 * ping loses nothing. Skips without root or UML, fails under CI=true then.
 *
 * <p>Then, on the same booted swarm (no second set of guests: the CI budget), issue 11's encrypted-overlay proof,
 * one {@code @Test} per item ({@link EncryptedClusterSteps}); they run in order after the first and are skipped
 * when it did not leave a swarm. All but {@code unknownDriverOptionIsRefused} need jswarm's encryption (helpers
 * A/B/C of issue 11) and fail before it is merged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(1) // the longest class (6-8 min) starts first, so the others fill the remaining threads beside it
@org.junit.jupiter.api.parallel.ResourceLock(io.jswarm.testkit.UmlLab.FAMILY) // one UML lab at a time per machine
class PackageClusterUmlE2ETest {
    private static final String NET = UmlLab.FAMILY + "-ov";
    private static final Duration CMD = Duration.ofSeconds(120);

    private Path share;
    private UmlLab lab;
    private EncryptedClusterSteps encrypted;  // set once the first test has a formed swarm of 3

    @Test
    @Order(1)
    void packageInstallsFormsASwarmSurvivesPowerLossAndUpgradesWithoutLoss() throws Exception {
        Optional<String> why = UmlLab.unavailable();
        if (why.isPresent() && "true".equals(System.getenv("CI"))) {
            fail("CI=true but " + why.get());
        }
        assumeTrue(why.isEmpty(), () -> why.get());
        Path target = Path.of("..", "package", "target").toAbsolutePath().normalize();
        Path deb = onlyDeb(target);
        share = Files.createTempDirectory(UmlLab.FAMILY + "-share");
        long t0 = System.nanoTime();
        {
            Files.copy(deb, share.resolve("jswarm-1.deb"));
            String upVersion = upgradeBuild(deb, share.resolve("jswarm-2.deb"));
            lab = UmlLab.start(3, share);
            {
                System.out.printf("uml: 3 guests booted %d ms after start%n", ms(t0));
                long t = System.nanoTime();
                // the real install path, on the three guests at once (each is its own kernel and CPU);
                // without systemd, postinst starts nothing: the package made no state
                onAll(lab, List.of(1, 2, 3), "install", g -> "dpkg -i /share/jswarm-1.deb >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; exit 1; }; "
                        + "test ! -e /var/lib/jswarm || { echo installing made /var/lib/jswarm; exit 1; }; "
                        // the admin's edit of the conffile that the lab's guests need (UmlLab.GUEST_JAVA_OPTS)
                        + "sed -i 's/^JSWARM_JAVA_OPTS=.*/JSWARM_JAVA_OPTS=\"" + UmlLab.GUEST_JAVA_OPTS + "\"/' /etc/default/jswarm && "
                        // guests are 4-8x slower than this machine: the worker's manager calls get 40 s (default 10 s)
                        + "sed -i 's/^JSWARM_DAEMON_OPTS=.*/JSWARM_DAEMON_OPTS=\"--manager-timeout=40s\"/' /etc/default/jswarm && "
                        + "ln -s /usr/lib/systemd/system/jswarm.service /etc/systemd/system/multi-user.target.wants/ "
                        + "&& jsuml-service start jswarm");
                for (int g = 1; g <= 3; g++) {
                    awaitSocket(lab, g);
                }
                System.out.printf("uml: package installed, 3 daemons up in %d ms%n", ms(t));
                t = System.nanoTime();
                run(lab, 1, "jswarm init --advertise-addr " + UmlLab.address(1));
                String token = run(lab, 1, "jswarm join-token -q worker").strip();
                onAll(lab, List.of(2, 3), "join", g -> "jswarm join --token " + token + " " + UmlLab.address(1) + ":2377");
                run(lab, 1, "jswarm network create -d overlay --attachable " + NET);
                // one at a time: three at once kept the manager's single slow vCPU past the worker's 12 s deadline
                // for its manager call ("CallOptions deadline exceeded after 12.4s" on guest 3)
                for (int g = 1; g <= 3; g++) {
                    run(lab, g, "jswarm network attach " + NET + " --name " + sandbox(g));
                }
                System.out.printf("uml: init, 2 joins, overlay, 3 attaches (joins in parallel) in %d ms%n", ms(t));
                t = System.nanoTime();
                for (int from = 1; from <= 3; from++) {
                    for (int to = 1; to <= 3; to++) {
                        if (from != to) {
                            awaitPing(lab, from, sandbox(to));
                        }
                    }
                }
                System.out.printf("uml: every pair pings by name %d ms after the last attach%n", ms(t));

                // --- a hard power-off of guest 3: no daemon shutdown, no goodbye; the others withdraw it.
                t = System.nanoTime();
                lab.powerOff(3);
                for (int g = 1; g <= 2; g++) {
                    int from = g;
                    await("guest " + g + " withdraws " + sandbox(3), Duration.ofSeconds(150),
                            () -> !lab.exec(from, CMD, "ip netns exec " + sandbox(from) + " getent hosts " + sandbox(3)).ok());
                }
                System.out.printf("uml: powered-off guest's entries withdrawn on both others in %d ms%n", ms(t));
                awaitPing(lab, 1, sandbox(2));   // the survivors still reach each other
                t = System.nanoTime();
                lab.boot(3);  // jswarm.service is enabled: the guest's init starts it, as systemd would at boot
                awaitSocket(lab, 3);
                // /run is new after a boot; the endpoint is still in /var/lib/jswarm. Either the daemon made the
                // sandbox again (attach answers "already exists"), or the attach (what a runtime restarting its
                // containers would do) makes it; either way it must then exist and be reachable.
                Exec.Result again = lab.exec(3, CMD, "jswarm network attach " + NET + " --name " + sandbox(3));
                System.out.println("uml: attach after the reboot: exit " + again.exit() + " " + again.output().strip());
                assertTrue(again.ok() || again.output().contains("already exists"), again.output() + log(lab, 3));
                Exec.Result present = lab.exec(3, CMD, "for i in $(seq 1 600); do test -e /run/netns/" + sandbox(3)
                        + " && exit 0; sleep 0.1; done; ip netns list; exit 1");
                assertTrue(present.ok(), "no sandbox " + sandbox(3) + " after the reboot: " + present.output() + log(lab, 3));
                for (int g = 1; g <= 2; g++) {
                    awaitPing(lab, g, sandbox(3));
                    awaitPing(lab, 3, sandbox(g));
                }
                System.out.printf("uml: guest 3 back (boot, service, sandbox, pings both ways) in %d ms%n", ms(t));

                // --- upgrade guest 2 in place under ping: dpkg -i of the newer build, then the restart that
                // postinst's `systemctl try-restart` does under systemd (SIGTERM: the daemon's live restore).
                String pinger = lab.detach(1, "ip netns exec " + sandbox(1) + " ping -n -i 0.2 -W 1 " + sandbox(2)
                        + " >/tmp/ping.log 2>&1 & echo $! >/tmp/ping.pid; wait");
                String back = lab.detach(2, "ip netns exec " + sandbox(2) + " ping -n -i 0.2 -W 1 " + sandbox(3)
                        + " >/tmp/ping.log 2>&1 & echo $! >/tmp/ping.pid; wait");
                Thread.sleep(3000);
                t = System.nanoTime();
                run(lab, 2, "dpkg -i /share/jswarm-2.deb >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; exit 1; }; "
                        + "jsuml-service restart jswarm");
                awaitSocket(lab, 2);
                await("the upgraded daemon answers", Duration.ofSeconds(120), () -> lab.exec(2, CMD, "jswarm info").ok());
                System.out.printf("uml: upgrade to %s (dpkg -i + restart + daemon up) in %d ms%n", upVersion, ms(t));
                assertEquals(upVersion, run(lab, 2, "dpkg-query -W -f '${Version}' jswarm").strip());
                Thread.sleep(5000);
                for (int[] p : new int[][] {{1, 0}, {2, 0}}) {
                    int g = p[0];
                    String stats = run(lab, g, "kill -INT $(cat /tmp/ping.pid); sleep 1; tail -3 /tmp/ping.log");
                    System.out.println("uml: guest " + g + " ping during the upgrade: " + stats.strip());
                    assertTrue(stats.contains(" 0% packet loss"), "zero loss across the upgrade: " + stats);
                }
                assertTrue(lab.output(1, pinger).text().isEmpty() && lab.output(2, back).text().isEmpty());
                System.out.printf("uml: whole test %d ms%n", ms(t0));
                encrypted = new EncryptedClusterSteps(lab, share);
            }
        }
    }

    // --- issue 11, on the swarm the first test left (see EncryptedClusterSteps); each skipped without it
    @Test
    @Order(2)
    void unknownDriverOptionIsRefused() {
        steps().unknownOptionIsRefused();
    }

    @Test
    @Order(3)
    void encryptedNetworkPingsAndOnlyEspOnTheWire() throws Exception {
        timed("encrypted network", () -> steps().encryptedNetworkPingsAndOnlyEspOnTheWire());
    }

    @Test
    @Order(4)
    void plaintextInjectedIsDroppedAndCounted() throws Exception {
        timed("injection", () -> encryptedSteps().plaintextInjectedIsDroppedAndCounted());
    }

    @Test
    @Order(5)
    void deletedSasStopThePairAndReconcileRestores() throws Exception {
        timed("deleted SAs", () -> encryptedSteps().deletedSasStopThePairAndReconcileRestores());
    }

    @Test
    @Order(6)
    void rotationUnderPingAndIperfLosesNothing() throws Exception {
        timed("rotation", () -> encryptedSteps().rotationUnderPingAndIperfLosesNothing());
    }

    @Test
    @Order(7) // after the rotation: it waited for the old generation to be retired, so the SAs stand still here
    void daemonRestartKeepsEncryptedTrafficFlowing() throws Exception {
        timed("daemon restart", () -> encryptedSteps().daemonRestartKeepsEncryptedTrafficFlowing());
    }

    @Test
    @Order(8)
    void nodeRmRemovesItsSasAndDropsItsTraffic() throws Exception {  // last: guest 3 leaves the swarm
        timed("node rm", () -> encryptedSteps().nodeRmRemovesItsSasAndDropsItsTraffic());
    }

    private EncryptedClusterSteps steps() {
        assumeTrue(encrypted != null, "the package test left no swarm");
        return encrypted;
    }

    /** Steps 4-7 need the encrypted network of step 3: skipped (not failed by timeouts) when step 3 failed. */
    private EncryptedClusterSteps encryptedSteps() {
        assumeTrue(steps().encryptedNetworkUp(), "no encrypted network (step 3 failed)");
        return encrypted;
    }

    private interface Step {
        void run() throws Exception;
    }

    /** Prints each step's time: what the encrypted proof adds to the CI run. */
    private static void timed(String what, Step step) throws Exception {
        long t = System.nanoTime();
        try {
            step.run();
        } finally {
            System.out.printf("uml-enc: step %s took %d ms%n", what, ms(t));
        }
    }

    @AfterAll
    void stopGuests() throws IOException {
        try {
            if (lab != null) {
                lab.close();
            }
        } finally {
            if (share != null) {
                try (Stream<Path> s = Files.list(share)) {
                    for (Path p : s.toList()) {
                        Files.delete(p);
                    }
                }
                Files.delete(share);
            }
        }
    }

    /** Runs one script per guest on all of them at once; fails with the first one that exits non-zero. */
    private static void onAll(UmlLab lab, List<Integer> guests, String what, IntFunction<String> script) {
        Map<Integer, String> ids = new LinkedHashMap<>();
        try {
            for (int g : guests) {
                ids.put(g, lab.detach(g, script.apply(g)));
            }
            await(what + " on guests " + guests, Duration.ofSeconds(300), () -> ids.entrySet().stream()
                    .allMatch(e -> output(lab, e.getKey(), e.getValue()).exit().isPresent()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (var e : ids.entrySet()) {
            UmlLab.Output o = output(lab, e.getKey(), e.getValue());
            if (o.exit().orElseThrow() != 0) {
                fail("guest " + e.getKey() + ": " + what + " exited " + o.exit().get() + ": " + o.text() + "\n" + log(lab, e.getKey()));
            }
        }
    }

    private static UmlLab.Output output(UmlLab lab, int g, String id) {
        try {
            return lab.output(g, id);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sandbox(int g) {
        return UmlLab.FAMILY + "-sb" + g;
    }

    private static Path onlyDeb(Path target) throws IOException {
        List<Path> debs;
        try (Stream<Path> s = Files.exists(target) ? Files.list(target) : Stream.empty()) {
            debs = s.filter(p -> p.getFileName().toString().matches("jswarm_.+_amd64\\.deb")).toList();
        }
        if (debs.size() != 1) {
            String msg = "expected one package in " + target + " (run ./mvnw verify: package/ builds it), found " + debs;
            if ("true".equals(System.getenv("CI"))) {
                fail(msg);
            }
            assumeTrue(false, msg);
        }
        return debs.getFirst();
    }

    /** A second build with a higher version: the same package, re-versioned (+upgrade1) and with a changed file. */
    private static String upgradeBuild(Path deb, Path out) throws IOException {
        Path dir = Files.createTempDirectory(UmlLab.FAMILY + "-repack");
        try {
            Exec.run(120, List.of("dpkg-deb", "-R", deb.toString(), dir.toString())).orThrow();
            Path control = dir.resolve("DEBIAN/control");
            String c = Files.readString(control);
            String version = c.lines().filter(l -> l.startsWith("Version: ")).findFirst().orElseThrow().substring(9) + "+upgrade1";
            Files.writeString(control, c.replaceFirst("(?m)^Version: .*$", "Version: " + version));
            Files.writeString(dir.resolve("usr/share/doc/jswarm/README"), "\nupgrade build\n", java.nio.file.StandardOpenOption.APPEND);
            Exec.run(300, List.of("dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "-b", dir.toString(), out.toString())).orThrow();
            return version;
        } finally {
            Exec.run(60, List.of("rm", "-rf", dir.toString()));
        }
    }

    private static String run(UmlLab lab, int g, String script) {
        Exec.Result r = lab.exec(g, CMD, script);
        if (!r.ok()) {
            fail("guest " + g + ": `" + script + "` exited " + r.exit() + ": " + r.output() + "\n" + log(lab, g));
        }
        return r.output();
    }

    private static String log(UmlLab lab, int g) {
        return "--- /var/log/jswarm.log of guest " + g + ":\n" + lab.exec(g, Duration.ofSeconds(20), "tail -40 /var/log/jswarm.log").output();
    }

    private static void awaitSocket(UmlLab lab, int g) {
        Exec.Result r = lab.exec(g, CMD, "for i in $(seq 1 1200); do [ -S /run/jswarm/jswarm.sock ] && exit 0; sleep 0.1; done; exit 1");
        if (!r.ok()) {
            fail("guest " + g + ": no daemon socket in 120 s\n" + log(lab, g));
        }
    }

    private static void awaitPing(UmlLab lab, int from, String to) {
        await("guest " + from + " pings " + to + " by name", Duration.ofSeconds(90),
                () -> lab.exec(from, CMD, "ip netns exec " + sandbox(from) + " ping -c1 -W2 " + to).ok());
    }

    private static void await(String what, Duration limit, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.get()) {
                return;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
        fail("timed out after " + limit + " waiting for " + what);
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
