package io.jswarm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.cli.Main;
import io.jswarm.testkit.Exec;
import io.jswarm.testkit.HostLab;
import io.jswarm.vxlan.testing.RequiresRoot;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's main job, `jswarm demo`, end to end: the cluster demo (three daemons, an overlay, pings by name)
 * and the data-plane demo ({@code --dataplane}: the repair) succeed and leave nothing.
 */
@RequiresRoot
@org.junit.jupiter.api.parallel.ResourceLock(Lab.FAMILY) // shares its family with the other lab classes
class DemoE2ETest {

    @Test
    void clusterDemoPingsByNameAcrossThreeHostsAndLeavesNothingBehind() throws Exception {
        String out = demo("demo", "--family", Lab.FAMILY);
        assertEquals(6, out.lines().filter(l -> l.contains(" ping ") && l.contains("64 bytes from")).count(), out);
        assertTrue(out.contains("3 nodes Ready"), out);
        assertTrue(out.contains("3 endpoints"), out);
        assertNothingLeft(out);
    }

    @Test
    void dataplaneDemoPingsRepairsAndLeavesNothingBehind() throws Exception {
        String out = demo("demo", "--dataplane", "--family", Lab.FAMILY);
        assertTrue(out.contains("ping 10.0.1.2 -> 10.0.1.3: 64 bytes from 10.0.1.3"), out);
        assertTrue(out.contains("ping 10.0.1.3 -> 10.0.1.2: 64 bytes from 10.0.1.2"), out);
        assertTrue(out.contains("100% packet loss"), "the tampered path must be shown broken: " + out);
        assertTrue(out.contains("reconcile repaired 1: [ovl1 fdb_missing"), out);
        assertTrue(out.contains("reconcile again: clean"), out);
        assertNothingLeft(out);
    }

    private static String demo(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int exit;
        System.setOut(new PrintStream(buf, true));
        try {
            exit = Main.run(args);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString();
        System.out.print(out);
        assertEquals(0, exit, out);
        return out;
    }

    private static void assertNothingLeft(String out) throws Exception {
        String prefix = out.lines().filter(l -> l.contains("teardown:")).findFirst().orElseThrow()
                .replaceAll(".* of ", "").strip();
        assertTrue(prefix.startsWith(Lab.FAMILY + "-"), prefix);
        assertFalse(Exec.run("ip", "netns", "list").orThrow().contains(prefix), "namespaces left by the demo");
        assertFalse(Files.exists(HostLab.RUN_ROOT.resolve(prefix)), "run directory left by the demo");
        try (Stream<Path> s = Files.list(Path.of("/run/netns"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(prefix)));
        }
        if (Files.isDirectory(Path.of("/etc/netns"))) {
            try (Stream<Path> s = Files.list(Path.of("/etc/netns"))) {
                assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(prefix)), "resolv.conf left");
            }
        }
    }
}
