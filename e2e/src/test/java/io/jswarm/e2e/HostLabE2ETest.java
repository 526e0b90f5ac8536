package io.jswarm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.cli.Kernels;
import io.jswarm.testkit.Exec;
import io.jswarm.testkit.HostLab;
import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.testing.RequiresRoot;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The host lab itself: an underlay that works, nothing in the machine's namespace, nothing left after close. */
@RequiresRoot
@org.junit.jupiter.api.parallel.ResourceLock(Lab.FAMILY) // shares its family with the other lab classes
class HostLabE2ETest {

    @Test
    void hostsReachEachOtherOverThePrivateUnderlayAndCloseRemovesEverything() throws Exception {
        String machineLinksBefore = Exec.run("ip", "-o", "link", "show").orThrow();
        try (Kernel kernel = Kernels.open()) {
            HostLab lab = HostLab.create(kernel, Lab.FAMILY, 3);
            try {
                assertEquals(List.of("192.0.2.11", "192.0.2.12", "192.0.2.13"),
                        lab.hosts().stream().map(h -> h.underlay().getHostAddress()).toList());
                for (HostLab.Host h : lab.hosts()) {
                    assertTrue(Exec.run("ip", "netns", "exec", h.nsName(), "true").ok(),
                            "ip netns exec must work for " + h.nsName());
                    assertTrue(Files.isDirectory(h.runDir()), "run dir " + h.runDir());
                    String addr = Lab.sh(h.nsFile(), "ip", "-o", "addr", "show", "dev", "eth0");
                    assertTrue(addr.contains(h.underlay().getHostAddress() + "/24"), addr);
                    assertTrue(Lab.sh(h.nsFile(), "ip", "-o", "link", "show", "lo").contains("UP"), "lo up");
                }
                Lab.assertPings(lab.host(1).nsFile(), "192.0.2.13");
                Lab.assertPings(lab.host(3).nsFile(), "192.0.2.12");
                // The underlay bridge lives in the lab's own namespace, not the machine's.
                assertEquals(machineLinksBefore.lines().count(), Exec.run("ip", "-o", "link", "show").orThrow()
                        .lines().count(), "the machine's namespace gained or lost links");
            } finally {
                lab.close();
            }
            String prefix = lab.prefix();
            assertFalse(Exec.run("ip", "netns", "list").orThrow().contains(prefix), "namespaces of " + prefix + " left");
            assertFalse(Files.exists(HostLab.RUN_ROOT.resolve(prefix)), "run directory of " + prefix + " left");
            lab.close(); // idempotent
        }
    }

    @Test
    void aNewLabRemovesLeftoversOfItsFamily() throws Exception {
        try (Kernel kernel = Kernels.open()) {
            // A crashed run: a namespace and a run directory of the family, never closed.
            String dead = Lab.FAMILY + "-dead0";
            Exec.run("ip", "netns", "add", dead + "-h1").orThrow();
            Files.createDirectories(HostLab.RUN_ROOT.resolve(dead).resolve("h1"));
            try (HostLab lab = HostLab.create(kernel, Lab.FAMILY, 1)) {
                assertFalse(Exec.run("ip", "netns", "list").orThrow().contains(dead), "leftover namespace kept");
                assertFalse(Files.exists(HostLab.RUN_ROOT.resolve(dead)), "leftover run directory kept");
                assertTrue(Files.exists(lab.host(1).nsFile()));
            }
        }
    }
}
