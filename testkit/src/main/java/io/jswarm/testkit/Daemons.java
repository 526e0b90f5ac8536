package io.jswarm.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What every place that runs real daemons in lab namespaces needs (the demo, the e2e labs, the benchmarks):
 * the daemon JVM's command line, and the cleanup of what daemons leave on the machine beyond their processes.
 */
public final class Daemons {
    private Daemons() {
    }

    /**
     * A JVM command line for {@code mainClass} on this JVM's classpath. Small heap, C1 only: several daemons
     * share two cores. The serial filter and netty flag are also set by the daemon itself; here they hold
     * from the first class loaded. {@code mainClass} null: the JVM and its flags only.
     */
    public static List<String> java(String mainClass, String... args) {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(javaBin, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED", "-Djdk.serialFilter=!*", "-Dio.netty.noUnsafe=true"));
        if (mainClass == null) {
            return cmd;
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Network namespaces daemons bound under exec roots in {@code dir}: unmounted so the files can go. */
    public static void unmountNetworks(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(f -> f.getParent() != null && f.getParent().getFileName().toString().equals("netns"))
                    .toList()) {
                Exec.run(10, List.of("umount", "-l", f.toString()));
            }
        } catch (IOException e) {
            // best effort
        }
    }

    /** The /etc/netns/NAME directories daemons wrote for sandboxes whose names start with {@code prefix}. */
    public static void removeResolvConfs(String prefix) {
        Path etc = Path.of("/etc/netns");
        if (!Files.isDirectory(etc)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(etc)) {
            for (Path d : dirs.filter(d -> d.getFileName().toString().startsWith(prefix)).toList()) {
                deleteTree(d);
            }
        } catch (IOException e) {
            // best effort
        }
    }

    /** Deletes a directory tree, best effort. */
    public static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
