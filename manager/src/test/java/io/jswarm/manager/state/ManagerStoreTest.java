package io.jswarm.manager.state;

import static io.jswarm.manager.state.Commands.add;
import static io.jswarm.manager.state.Commands.init;
import static io.jswarm.manager.state.Commands.remove;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.proto.state.Role;
import io.jswarm.proto.state.Snapshot;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManagerStoreTest {
    @TempDir
    Path dir;

    private ManagerStore open(int snapshotEvery) throws IOException {
        return ManagerStore.open(LocalCommandLog.open(dir), snapshotEvery);
    }

    private Snapshot state(ManagerStore s) {
        return s.read(StateMachine::snapshot);
    }

    @Test
    void stateSurvivesARestart() throws IOException {
        Snapshot before;
        try (ManagerStore s = open(1000)) {
            assertEquals(new ManagerStore.Outcome.Committed(1), s.submit(init("c1")));
            s.submit(add("n1", Role.ROLE_MANAGER));
            s.submit(add("n2", Role.ROLE_WORKER));
            s.submit(remove("n2"));
            before = state(s);
        }
        try (ManagerStore s = open(1000)) {
            assertEquals(before, state(s));
            assertEquals(new ManagerStore.Outcome.Committed(5), s.submit(add("n3", Role.ROLE_WORKER)));
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("commands.log"))));
    }

    @Test
    void aRefusedCommandWritesNothing() throws IOException {
        try (ManagerStore s = open(1000)) {
            s.submit(init("c1"));
            long size = Files.size(dir.resolve("commands.log"));
            assertEquals(new ManagerStore.Outcome.Refused("node nX not found"), s.submit(remove("nX")));
            assertEquals(size, Files.size(dir.resolve("commands.log")));
        }
    }

    @Test
    void snapshotsCompactTheLogAndRecoveryUsesThem() throws IOException {
        Snapshot before;
        try (ManagerStore s = open(3)) {
            s.submit(init("c1"));
            for (int i = 0; i < 7; i++) {
                s.submit(add("n" + i, Role.ROLE_WORKER));
            }
            before = state(s);
        }
        assertTrue(Files.exists(dir.resolve("snapshot.pb")));
        try (ManagerStore s = open(3)) {
            assertEquals(before, state(s));
            assertEquals(8, s.read(StateMachine::lastApplied));
        }
    }

    @Test
    void aCrashBetweenSnapshotAndTruncateCountsNothingTwice() throws IOException {
        Snapshot before;
        byte[] logBeforeCompaction;
        try (ManagerStore s = open(1000)) {
            s.submit(init("c1"));
            s.submit(add("n1", Role.ROLE_WORKER));
            before = state(s);
            logBeforeCompaction = Files.readAllBytes(dir.resolve("commands.log"));
        }
        try (LocalCommandLog log = LocalCommandLog.open(dir)) {
            log.compact(before);
        }
        Files.write(dir.resolve("commands.log"), logBeforeCompaction); // the truncate "never happened"
        try (ManagerStore s = open(1000)) {
            assertEquals(before, state(s));
            assertEquals(new ManagerStore.Outcome.Committed(3), s.submit(add("n2", Role.ROLE_WORKER)));
        }
    }

    @Test
    void aTornLastRecordIsDroppedAndTheRestKept() throws IOException {
        try (ManagerStore s = open(1000)) {
            s.submit(init("c1"));
            s.submit(add("n1", Role.ROLE_WORKER));
        }
        Path file = dir.resolve("commands.log");
        long full = Files.size(file);
        try (ManagerStore s = open(1000)) {
            s.submit(add("n2", Role.ROLE_WORKER));
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(full + 10); // the append of n2 was cut short by a crash
        }
        try (ManagerStore s = open(1000)) {
            assertTrue(s.read(sm -> sm.node("n1")).isPresent());
            assertTrue(s.read(sm -> sm.node("n2")).isEmpty());
            assertEquals(full, Files.size(file));
            assertEquals(new ManagerStore.Outcome.Committed(3), s.submit(add("n2", Role.ROLE_WORKER)));
        }
    }

    @Test
    void corruptionBeforeGoodRecordsFailsLoudly() throws IOException {
        try (ManagerStore s = open(1000)) {
            s.submit(init("c1"));
            s.submit(add("n1", Role.ROLE_WORKER));
            s.submit(add("n2", Role.ROLE_WORKER));
        }
        Path file = dir.resolve("commands.log");
        byte[] bytes = Files.readAllBytes(file);
        bytes[20] ^= 0x5A; // inside the first record's body
        Files.write(file, bytes);
        IOException e = assertThrows(IOException.class, () -> open(1000));
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }
}
