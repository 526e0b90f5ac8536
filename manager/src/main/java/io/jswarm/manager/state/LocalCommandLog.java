package io.jswarm.manager.state;

import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.Snapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A command log in one directory: {@code snapshot.pb} (the state up to some index) and {@code commands.log}
 * (the commands after it). Each log record is {@code [u32 length][u32 crc32c][u64 index][protobuf Command]}
 * with the CRC over index and body; each append is forced to disk before it returns. Records carry their
 * index so that records already covered by the snapshot (a crash between writing the snapshot and
 * emptying the log) are recognised and skipped, never counted twice.
 *
 * <p>Crash handling: a record cut short or failing its CRC at the very end of the file is the write
 * that was in progress when the process died — it never returned, so it was never acknowledged — and is
 * truncated with a warning. A bad record followed by good ones is real corruption and fails the open
 * loudly rather than silently forgetting acknowledged state.
 */
public final class LocalCommandLog implements CommandLog {
    private static final Logger LOG = LoggerFactory.getLogger(LocalCommandLog.class);
    private static final int HEADER = 16;
    /** A command is a few hundred bytes; anything near this is corruption, not data. */
    private static final int MAX_RECORD = 16 << 20;

    private final Path dir;
    private final FileChannel channel;
    /** Commands after the snapshot, in index order. */
    private final List<Command> tail = new ArrayList<>();
    private Snapshot snapshot;
    private long lastIndex;

    private LocalCommandLog(Path dir, FileChannel channel) {
        this.dir = dir;
        this.channel = channel;
    }

    private static final String LOG_FILE = "commands.log";
    private static final String SNAPSHOT_FILE = "snapshot.pb";

    /** Whether {@code dir} holds a log or a snapshot of this kind (issue 12: a one-manager log to migrate). */
    public static boolean existsIn(Path dir) {
        return Files.exists(dir.resolve(LOG_FILE)) || Files.exists(dir.resolve(SNAPSHOT_FILE));
    }

    /** Deletes the log and snapshot in {@code dir} (not the directory); nothing there is fine. */
    public static void deleteIn(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(LOG_FILE));
        Files.deleteIfExists(dir.resolve(SNAPSHOT_FILE));
    }

    /** Opens (creating if needed, owner-only) the log in {@code dir} and recovers from a torn tail. */
    public static LocalCommandLog open(Path dir) throws IOException {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path file = dir.resolve(LOG_FILE);
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        LocalCommandLog log = new LocalCommandLog(dir, ch);
        try {
            log.load();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return log;
    }

    private void load() throws IOException {
        Path snap = dir.resolve(SNAPSHOT_FILE);
        snapshot = Files.exists(snap) ? Snapshot.parseFrom(Files.readAllBytes(snap)) : null;
        long base = snapshot == null ? 0 : snapshot.getLastAppliedIndex();
        ByteBuffer all = ByteBuffer.allocate(Math.toIntExact(channel.size()));
        channel.read(all, 0);
        all.flip();
        long good = 0;
        long expected = base + 1;
        while (all.remaining() > 0) {
            Record r = readRecord(all);
            if (r == null) {
                if (hasValidRecordAfter(all, good)) {
                    throw new IOException("command log " + dir + " is corrupt at byte " + good
                            + " with valid records after it; refusing to drop acknowledged commands");
                }
                LOG.warn("command log torn at byte {} of {} (crash during append); truncating", good, channel.size());
                channel.truncate(good);
                channel.force(true);
                break;
            }
            good = all.position();
            if (r.index() <= base) {
                continue; // covered by the snapshot
            }
            if (r.index() != expected) {
                throw new IOException("command log " + dir + " jumps from index " + (expected - 1) + " to " + r.index());
            }
            tail.add(r.command());
            expected++;
        }
        lastIndex = base + tail.size();
        channel.position(channel.size());
    }

    private record Record(long index, Command command) {
    }

    /** Reads one record at the buffer's position, or returns null (position unspecified) if it is bad. */
    private static Record readRecord(ByteBuffer buf) {
        if (buf.remaining() < HEADER) {
            return null;
        }
        int len = buf.getInt();
        int crc = buf.getInt();
        long index = buf.getLong();
        if (len < 0 || len > MAX_RECORD || len > buf.remaining()) {
            return null;
        }
        byte[] body = new byte[len];
        buf.get(body);
        if (crc(index, body) != crc) {
            return null;
        }
        try {
            return new Record(index, Command.parseFrom(body));
        } catch (IOException e) {
            return null;
        }
    }

    private static int crc(long index, byte[] body) {
        CRC32C c = new CRC32C();
        c.update(ByteBuffer.allocate(8).putLong(index).flip());
        c.update(body);
        return (int) c.getValue();
    }

    /** Whether some offset after {@code from} starts a valid record: tells corruption from a torn end. */
    private static boolean hasValidRecordAfter(ByteBuffer all, long from) {
        for (int off = (int) from + 1; off + HEADER <= all.limit(); off++) {
            ByteBuffer probe = all.duplicate().position(off);
            int len = probe.getInt(off);
            if (len > 0 && off + HEADER + len <= all.limit() && readRecord(probe) != null) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized long append(Command command) throws IOException {
        byte[] body = command.toByteArray();
        long index = lastIndex + 1;
        ByteBuffer rec = ByteBuffer.allocate(HEADER + body.length)
                .putInt(body.length).putInt(crc(index, body)).putLong(index).put(body);
        rec.flip();
        while (rec.hasRemaining()) {
            channel.write(rec);
        }
        channel.force(false);
        tail.add(command);
        lastIndex = index;
        return index;
    }

    @Override
    public synchronized Optional<Snapshot> snapshot() {
        return Optional.ofNullable(snapshot);
    }

    @Override
    public synchronized void replay(Entry consumer) {
        long index = snapshot == null ? 0 : snapshot.getLastAppliedIndex();
        for (Command c : tail) {
            consumer.accept(++index, c);
        }
    }

    @Override
    public synchronized void compact(Snapshot snap) throws IOException {
        if (snap.getLastAppliedIndex() != lastIndex) {
            throw new IllegalArgumentException("snapshot at " + snap.getLastAppliedIndex() + " but log ends at " + lastIndex);
        }
        Path tmp = dir.resolve("snapshot.pb.tmp");
        Files.deleteIfExists(tmp); // a leftover of a crash may have other permissions
        // Owner-only from its creation on, not after the state was written into it.
        try (FileChannel out = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            out.write(ByteBuffer.wrap(snap.toByteArray()));
            out.force(true);
        }
        // Snapshot first, then empty the log: a crash in between leaves records the snapshot already
        // covers, which load() skips by their index, never a gap.
        Files.move(tmp, dir.resolve(SNAPSHOT_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        channel.truncate(0);
        channel.force(true);
        snapshot = snap;
        tail.clear();
    }

    @Override
    public synchronized long lastIndex() {
        return lastIndex;
    }

    @Override
    public synchronized void close() throws IOException {
        if (channel.isOpen()) {
            channel.close();
        }
    }
}
