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
    /**
     * glibc malloc arenas for the daemon (env {@code MALLOC_ARENA_MAX}): by default each thread that allocates
     * natively may get its own 64 MiB arena (up to 8 per core); the daemon's native allocations are small.
     */
    public static final int MALLOC_ARENA_MAX = 2;

    /**
     * The daemon JVM's flags; {@code bin/jswarm} passes the same for {@code jswarm daemon} (DaemonsTest keeps the
     * two in step). Small heap, C1 only: several daemons share two cores in the labs, and a host's daemon is
     * mostly idle. See ARCHITECTURE.md, "The daemon's footprint", for what each one saves.
     */
    public static final List<String> DAEMON_JVM_FLAGS = List.of(
            // Heap: grows from 16 MiB as needed and gives back what a full GC frees (live data is ~25 MiB with
            // 20 sandboxes); the cap stays where the labs had it. Out of memory: exit, restart without a gap.
            "-Xms16m", "-Xmx128m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:+UseSerialGC",
            "-XX:+ExitOnOutOfMemoryError", "-XX:+UseCompactObjectHeaders",
            // C1 only: less code cache and compiler memory; the daemon's hot paths are the kernel's, not Java's.
            "-XX:TieredStopAtLevel=1",
            // glibc keeps freed native memory; trim it twice a minute.
            "-XX:TrimNativeHeapInterval=30000",
            // Netty's pooled allocators (gossip's and gRPC's shaded copy) hold 4 MiB chunks per arena for a
            // few messages a second; unpooled buffers are collected with the heap.
            "-Dio.netty.allocator.type=unpooled", "-Dio.grpc.netty.shaded.io.netty.allocator.type=unpooled",
            // Issue 12: Ratis' shaded Netty (the managers' Raft) likewise, and its Unsafe use allowed without the
            // JDK's warning on every start.
            "-Dorg.apache.ratis.thirdparty.io.netty.allocator.type=unpooled", "--sun-misc-unsafe-memory-access=allow");

    private Daemons() {
    }

    /**
     * A JVM command line for {@code mainClass} on this JVM's classpath, with the daemon's flags
     * ({@link #DAEMON_JVM_FLAGS}) and then those of {@code JSWARM_JAVA_OPTS} (later flags win), as
     * {@code bin/jswarm daemon} starts it. The serial filter and netty flag are also set by the daemon itself;
     * here they hold from the first class loaded. {@code mainClass} null: the JVM and its flags only.
     */
    public static List<String> java(String mainClass, String... args) {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of("env", "MALLOC_ARENA_MAX=" + MALLOC_ARENA_MAX, javaBin));
        cmd.addAll(DAEMON_JVM_FLAGS);
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Djdk.serialFilter=!*", "-Dio.netty.noUnsafe=true"));
        String extra = System.getenv("JSWARM_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.strip().split("\\s+")));
        }
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
