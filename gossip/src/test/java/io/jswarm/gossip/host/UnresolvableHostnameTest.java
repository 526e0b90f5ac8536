package io.jswarm.gossip.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.Role;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.gossip.MembershipConfig;
import io.jswarm.gossip.ScalecubeMembership;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host whose own name does not resolve (a guest without an /etc/hosts line for it) still starts gossip:
 * scalecube looks the machine's name up when it builds its membership, and that used to fail with
 * {@code UnknownHostException <hostname>}. The child JVM runs in its own UTS namespace with a made-up host
 * name that neither {@code /etc/hosts} nor DNS knows (root and {@code unshare} needed; the JDK's
 * {@code jdk.net.hosts.file} cannot stand in: it bypasses resolver providers).
 */
class UnresolvableHostnameTest {

    @Test
    void membershipStartsWhenTheOwnHostnameDoesNotResolve(@TempDir Path dir) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/unshare")),
                "needs root and /usr/bin/unshare (a UTS namespace with an unresolvable host name)");
        String name = "jsreboot-noname-" + Long.toHexString(System.nanoTime());
        assertThrows(UnknownHostException.class, () -> InetAddress.getByName(name), "the name must not resolve here");
        String java = ProcessHandle.current().info().command().orElse("java");
        // The name travels as an argument of hostname(1), the class path through the environment.
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/unshare", "--uts", "/bin/sh", "-c",
                "hostname \"$0\" && exec \"$1\" -Xmx96m -cp \"$JSREBOOT_CP\" \"$2\"", name, java, Child.class.getName())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).directory(dir.toFile());
        pb.environment().put("JSREBOOT_CP", System.getProperty("java.class.path"));
        Process p = pb.start();
        String out;
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child did not finish");
            out = Files.readString(dir.resolve("child.log"));
        } finally {
            p.destroyForcibly();
        }
        assertTrue(out.contains("HOSTNAME " + name), "the child runs under the made-up name: " + out);
        assertTrue(out.contains("STARTED"), "gossip did not start: " + out);
        assertEquals(0, p.exitValue(), out);
    }

    /** Runs in the child: says its host name, then starts one member on loopback seeded with a dead address. */
    public static final class Child {
        private Child() {}

        public static void main(String[] args) throws Exception {
            System.out.println("HOSTNAME " + Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
            var ca = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
            var id = ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
            var m = new ScalecubeMembership(new IdentityKeyManager(id), InetAddress.ofLiteral("127.0.0.1"),
                    MembershipConfig.lan(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0))
                            .withSeeds(List.of(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 1))),
                    x -> false, new SimpleMeterRegistry());
            try {
                m.start();
                System.out.println("STARTED " + m.self().gossipAddress());
            } finally {
                m.close();
            }
            System.out.flush();
            System.exit(0);
        }
    }
}
