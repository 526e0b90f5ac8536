package io.jswarm.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DaemonsTest {
    /** bin/jswarm starts production daemons, Daemons the lab's: both must run the JVM the footprint bench measured. */
    @Test
    void theLauncherStartsTheDaemonWithTheSameJvmFlags() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        Path launcher = (Files.exists(root.resolve("bin/jswarm")) ? root : root.getParent()).resolve("bin/jswarm");
        String line = Files.readAllLines(launcher).stream().filter(l -> l.startsWith("DAEMON_JVM_FLAGS="))
                .findFirst().orElseThrow(() -> new AssertionError("no DAEMON_JVM_FLAGS= line in " + launcher));
        List<String> flags = List.of(line.substring(line.indexOf('(') + 1, line.lastIndexOf(')')).strip().split("\\s+"));
        assertEquals(Daemons.DAEMON_JVM_FLAGS, flags);
        assertTrue(Files.readString(launcher).contains("MALLOC_ARENA_MAX:-" + Daemons.MALLOC_ARENA_MAX), "arena limit");
    }

    @Test
    void labDaemonsGetTheFlagsThenTheOperatorsOwn() {
        List<String> cmd = Daemons.java(null);
        assertEquals(List.of("env", "MALLOC_ARENA_MAX=" + Daemons.MALLOC_ARENA_MAX), cmd.subList(0, 2));
        assertEquals(Daemons.DAEMON_JVM_FLAGS, cmd.subList(3, 3 + Daemons.DAEMON_JVM_FLAGS.size()));
    }
}
