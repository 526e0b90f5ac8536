package io.jswarm.manager.state;

import static io.jswarm.manager.state.Commands.add;
import static io.jswarm.manager.state.Commands.init;
import static io.jswarm.manager.state.Commands.remove;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.proto.state.Command;
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
        return s.snapshot();
    }

    @Test
    void stateSurvivesARestart() throws IOException {
        Snapshot before;
        try (ManagerStore s = open(1000)) {
            assertEquals(1, ((StateStore.Outcome.Committed) s.submit(init("c1"))).index());
            s.submit(add("n1", Role.ROLE_MANAGER));
            s.submit(add("n2", Role.ROLE_WORKER));
            s.submit(remove("n2"));
            before = state(s);
        }
        try (ManagerStore s = open(1000)) {
            assertEquals(before, state(s));
            assertEquals(5, ((StateStore.Outcome.Committed) s.submit(add("n3", Role.ROLE_WORKER))).index());
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("commands.log"))));
    }

    @Test
    void aRefusedCommandWritesNothing() throws IOException {
        try (ManagerStore s = open(1000)) {
            s.submit(init("c1"));
            long size = Files.size(dir.resolve("commands.log"));
            assertEquals(new StateStore.Outcome.Refused("node nX not found"), s.submit(remove("nX")));
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
            assertEquals(8, s.view().index());
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
            assertEquals(3, ((StateStore.Outcome.Committed) s.submit(add("n2", Role.ROLE_WORKER))).index());
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
            assertTrue(s.view().node("n1").isPresent());
            assertTrue(s.view().node("n2").isEmpty());
            assertEquals(full, Files.size(file));
            assertEquals(3, ((StateStore.Outcome.Committed) s.submit(add("n2", Role.ROLE_WORKER))).index());
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

    /** An in-memory log whose appends can be held (a disk stuck in fsync) until the test lets them go. */
    static final class HeldLog implements CommandLog {
        final java.util.List<Command> commands = new java.util.ArrayList<>();
        volatile java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(0);
        final java.util.concurrent.Semaphore entered = new java.util.concurrent.Semaphore(0);

        @Override
        public long append(Command command) throws IOException {
            entered.release();
            try {
                hold.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            synchronized (commands) {
                commands.add(command);
                return commands.size();
            }
        }

        @Override
        public java.util.Optional<Snapshot> snapshot() {
            return java.util.Optional.empty();
        }

        @Override
        public void replay(Entry consumer) {
        }

        @Override
        public void compact(Snapshot snapshot) {
        }

        @Override
        public long lastIndex() {
            synchronized (commands) {
                return commands.size();
            }
        }

        @Override
        public void close() {
        }
    }

    @Test
    void readsDoNotWaitForASubmitStuckInFsync() throws Exception {
        HeldLog log = new HeldLog();
        ManagerStore s = ManagerStore.open(log, 1000);
        s.submit(init("c1"));
        s.submit(add("n1", Role.ROLE_MANAGER));
        log.entered.drainPermits();
        log.hold = new java.util.concurrent.CountDownLatch(1);
        var writer = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            var pending = writer.submit(() -> s.submit(add("n2", Role.ROLE_WORKER)));
            log.entered.acquire(); // the writer is inside append, holding the write lock
            // Would hang (and fail at the deadline) if reads waited for the writer.
            StateView during = assertTimeoutPreemptively(java.time.Duration.ofSeconds(30), s::view);
            assertEquals(2, during.index());
            assertTrue(during.node("n1").isPresent());
            assertTrue(during.node("n2").isEmpty(), "nothing of the command in flight");
            log.hold.countDown();
            assertEquals(3, ((StateStore.Outcome.Committed) pending.get()).index());
            assertEquals(3, s.view().index());
            assertTrue(s.view().node("n2").isPresent());
            assertTrue(during.node("n2").isEmpty(), "a view never changes");
        } finally {
            log.hold.countDown();
            writer.shutdownNow();
            s.close();
        }
    }

    @Test
    void submitReturnsWhatTheApplyDecided() throws IOException {
        try (ManagerStore s = open(1000)) {
            assertEquals(new StateStore.Outcome.Committed(1, new Applied.ClusterInitialized("c1")), s.submit(init("c1")));
            var added = (StateStore.Outcome.Committed) s.submit(add("n1", Role.ROLE_WORKER));
            assertEquals(new Applied.NodeAdded(s.view().node("n1").orElseThrow()), added.applied());
            assertEquals(new StateStore.Outcome.Committed(3, new Applied.NodeRemoved("n1", java.util.List.of())),
                    s.submit(remove("n1")));
        }
    }
}
