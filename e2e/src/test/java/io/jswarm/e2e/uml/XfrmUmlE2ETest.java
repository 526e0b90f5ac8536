package io.jswarm.e2e.uml;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jswarm.testkit.Exec;
import io.jswarm.testkit.UmlLab;
import io.jswarm.vxlan.kernel.XfrmGuestCheck;
import io.jswarm.vxlan.netlink.NetlinkKernel;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * NetlinkKernel's XFRM on a kernel that has ESP (this machine's has none): one User-Mode Linux guest (Debian's
 * kernel, esp4) runs {@link XfrmGuestCheck} with a runtime jlinked from this JDK and the vxlan classes in its
 * read-only share. In the guest: the XFRM contract against NetlinkKernel and the iproute2 oracle (SA cases
 * included), NetlinkKernel's SAs and policies read back by {@code ip -s xfrm state} / {@code ip xfrm policy} and
 * the reverse, and ESP traffic between two of the guest's namespaces (decrypted with the right key and salt,
 * across 2^32 sequence numbers, soft expiry on both ends through watchXfrm, plaintext blocked and dropped).
 * The guest's namespaces are {@code jsxfrm-*}; the lab's own names are {@value UmlLab#FAMILY} (one lab per
 * machine, serialised by its lock). Skips without root or UML; fails under CI=true then.
 */
// Last: one UML lab at a time per machine (UmlLab.start removes other labs' guests), and started any earlier it
// would hold one of the three threads waiting for PackageClusterUmlE2ETest's lab.
@org.junit.jupiter.api.Order(Integer.MAX_VALUE)
@org.junit.jupiter.api.parallel.ResourceLock(io.jswarm.testkit.UmlLab.FAMILY)
class XfrmUmlE2ETest {
    @Test
    void netlinkXfrmOnAnEspKernel() throws Exception {
        Optional<String> why = UmlLab.unavailable();
        if (why.isPresent() && "true".equals(System.getenv("CI"))) {
            fail("CI=true but " + why.get());
        }
        assumeTrue(why.isEmpty(), () -> why.get());
        Path share = Files.createTempDirectory("jsxfrm-share");
        try {
            long t0 = System.nanoTime();
            Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
            Exec.run(300, List.of(jlink.toString(), "--add-modules", "java.base", "--strip-debug", "--no-man-pages",
                    "--no-header-files", "--output", share.resolve("rt").toString())).orThrow();
            List<String> cp = shareClasspath(share.resolve("cp"));
            System.out.printf("xfrm-uml: runtime and classes in the share after %d ms%n", ms(t0));
            try (UmlLab lab = UmlLab.start(1, share)) {
                System.out.printf("xfrm-uml: guest booted %d ms after start%n", ms(t0));
                // Modules the on-demand load would bring on a Debian host (under UML it is unreliable: guest-init.sh)
                // (drbg is the default RNG that seqiv seeds from; without hmac and sha512 it cannot start: dmesg
                // "DRBG: could not allocate digest TFM handle: hmac(sha512)", and every SA is refused with ENOENT
                // "Kernel was unable to initialize cryptographic operations")
                String script = "uname -r; for m in xfrm_user esp4 gcm ghash_generic aes_generic ctr seqiv "
                        + "echainiv hmac sha512_generic drbg jitterentropy_rng; do modprobe $m 2>&1; done; "
                        + "ip netns add jsxfrm-probe && ip -n jsxfrm-probe xfrm state add src 192.0.2.1 dst 192.0.2.2"
                        + " proto esp spi 0x100 mode transport replay-window 128 flag esn aead 'rfc4106(gcm(aes))' 0x"
                        + "00".repeat(20) + " 128; echo ip-xfrm-probe=$?; ip netns del jsxfrm-probe; "
                        + "dmesg | grep -iE 'drbg|alg:|xfrm' | tail -5; "
                        + "/share/rt/bin/java " + UmlLab.GUEST_JAVA_OPTS + " --enable-native-access=ALL-UNNAMED"
                        + " -Xmx128m -XX:+UseSerialGC -cp " + String.join(":", cp) + " "
                        + XfrmGuestCheck.class.getName();
                Exec.Result r = lab.exec(1, Duration.ofSeconds(900), script);
                System.out.println("xfrm-uml: guest output (exit " + r.exit() + "):\n" + r.output());
                System.out.printf("xfrm-uml: whole test %d ms%n", ms(t0));
                assertTrue(r.output().contains("PASS NetlinkKernel xfrmSasAreSetReplacedAndDeleted"),
                        "the SA cases ran (not skipped) on the guest's ESP kernel");
                assertTrue(r.output().contains("PASS ESP traffic between two namespaces"), "traffic step");
                assertFalse(r.output().contains("FAIL "), "no failed check");
                assertTrue(r.ok() && r.output().contains("FAILURES 0"), "guest check exit " + r.exit());
            }
        } finally {
            deleteTree(share);
        }
    }

    /** Copies what XfrmGuestCheck needs into {@code dir}; the guest's class path (its paths under /share). */
    private static List<String> shareClasspath(Path dir) throws IOException, URISyntaxException {
        Files.createDirectories(dir);
        List<String> cp = new ArrayList<>();
        int n = 0;
        for (Class<?> c : List.of(NetlinkKernel.class, XfrmGuestCheck.class, org.slf4j.LoggerFactory.class,
                org.slf4j.simple.SimpleLogger.class, org.junit.jupiter.api.Test.class,
                org.opentest4j.TestAbortedException.class, org.junit.platform.commons.util.StringUtils.class)) {
            Path from = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path to = dir.resolve(n++ + "-" + from.getFileName());
            copyTree(from, to);
            cp.add("/share/cp/" + to.getFileName());
        }
        return cp;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            Files.copy(from, to);
            return;
        }
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
