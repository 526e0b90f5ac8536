package io.jswarm.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product jar ({@code cli/target/jswarm.jar}, what {@code bin/jswarm} runs) ships no test fakes: the fakes
 * live in the modules' test-jars. No root needed. {@code bin/test} runs {@code verify}, where the reactor
 * packages cli before e2e's tests run, so the jar checked is the one just built; without the jar (a plain
 * {@code test} run) the check is skipped, and fails under {@code CI=true}.
 */
class ProductJarTest {

    @Test
    void productJarShipsNoTestFakes() throws IOException {
        Path jar = productJar();
        if (!Files.isRegularFile(jar)) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but " + jar + " is missing: run ./mvnw verify (package before e2e's tests)");
            }
            assumeTrue(false, jar + " not built (run package or verify)");
        }
        List<String> names = entries(jar);
        // Guard against checking an empty or wrong jar: the CLI and the demo's lab must be in it.
        assertTrue(names.contains("io/jswarm/cli/Main.class"), "not the CLI jar: " + jar);
        assertTrue(names.contains("io/jswarm/testkit/HostLab.class"), "the demo's host lab is missing from " + jar);
        assertEquals(List.of(), fakes(names), "test fakes in the product jar " + jar);
    }

    @Test
    void theCheckFindsFakesAndOnlyJswarmOnes(@TempDir Path dir) throws IOException {
        Path jar = dir.resolve("x.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String n : List.of("io/jswarm/cli/Main.class", "io/jswarm/vxlan/kernel/FakeKernel.class",
                    "io/jswarm/vxlan/kernel/FakeKernel$Fault.class", "io/jswarm/gossip/replication/InMemoryNetwork.class",
                    "com/google/common/util/concurrent/FakeTimeLimiter.class")) {
                out.putNextEntry(new JarEntry(n));
                out.closeEntry();
            }
        }
        assertEquals(List.of("io/jswarm/gossip/replication/InMemoryNetwork.class",
                "io/jswarm/vxlan/kernel/FakeKernel$Fault.class", "io/jswarm/vxlan/kernel/FakeKernel.class"),
                fakes(entries(jar)));
        assertEquals(List.of(), fakes(List.of("io/jswarm/vxlan/kernel/NetlinkKernel.class", "io/jswarm/vxlan/kernel/")));
    }

    /** jswarm classes that are test doubles by name: {@code Fake*} and {@code InMemory*}, nested ones included. */
    static List<String> fakes(List<String> entries) {
        List<String> found = new ArrayList<>();
        for (String e : entries) {
            if (!e.startsWith("io/jswarm/") || !e.endsWith(".class")) {
                continue;
            }
            String simple = e.substring(e.lastIndexOf('/') + 1);
            if (simple.startsWith("Fake") || simple.startsWith("InMemory")) {
                found.add(e);
            }
        }
        Collections.sort(found);
        return found;
    }

    private static List<String> entries(Path jar) throws IOException {
        try (JarFile f = new JarFile(jar.toFile())) {
            return f.stream().map(JarEntry::getName).toList();
        }
    }

    private static Path productJar() {
        Path root = Path.of("").toAbsolutePath();
        if (!Files.isDirectory(root.resolve("cli"))) {
            root = root.getParent(); // surefire runs in e2e/
        }
        return root.resolve("cli/target/jswarm.jar");
    }
}
