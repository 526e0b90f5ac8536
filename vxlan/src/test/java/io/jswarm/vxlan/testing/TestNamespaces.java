package io.jswarm.vxlan.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Test hygiene for namespaces: every test run picks a unique name prefix ({@code PREFIX-<pid36>-}), and
 * {@link #removeLeftovers} first removes what crashed runs with the same {@code PREFIX-} left behind.
 * Uses iproute2 on purpose: cleanup must work even when the code under test is broken.
 */
public final class TestNamespaces implements AutoCloseable {
    private final String prefix;
    private final List<String> created = new ArrayList<>();

    private TestNamespaces(String prefix) {
        this.prefix = prefix;
    }

    /**
     * Starts a run for {@code family} (2-8 lowercase letters, e.g. "jsnl"): removes leftovers of earlier
     * runs of that family, then hands out names {@code family-<pid>-<suffix>}.
     */
    public static TestNamespaces forRun(String family) {
        if (!family.matches("[a-z0-9]{2,8}")) {
            throw new IllegalArgumentException("family must be 2-8 of [a-z0-9]: " + family);
        }
        removeLeftovers(family + "-");
        return new TestNamespaces(family + "-" + Long.toString(ProcessHandle.current().pid(), 36) + "-");
    }

    public String prefix() {
        return prefix;
    }

    /** A fresh name under this run's prefix; recorded so {@link #close()} removes the namespace if it exists. */
    public String name(String suffix) {
        String name = prefix + suffix;
        created.add(name);
        return name;
    }

    /** Creates {@code /run/netns/<prefix><suffix>} with iproute2 and returns its name. */
    public String create(String suffix) {
        String name = name(suffix);
        run("ip", "netns", "add", name);
        return name;
    }

    @Override
    public void close() {
        for (String name : created.reversed()) {
            if (Files.exists(Path.of("/run/netns", name))) {
                run("ip", "netns", "del", name);
            }
        }
        removeLeftovers(prefix);
    }

    /** Deletes every {@code /run/netns} entry starting with {@code prefix}. */
    public static void removeLeftovers(String prefix) {
        Path dir = Path.of("/run/netns");
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            entries.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(prefix))
                    .forEach(n -> run("ip", "netns", "del", n));
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + dir, e);
        }
    }

    /** Runs a command, returns its stdout; throws with stderr if it fails. For test set-up and checks only. */
    public static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + ": timed out");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
