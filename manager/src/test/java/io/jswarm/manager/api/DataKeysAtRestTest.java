package io.jswarm.manager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.encryption.SecretSeal;
import io.jswarm.encryption.esp.DataKeyRoot;
import io.jswarm.manager.keys.RootSeal;
import io.jswarm.proto.cluster.DataKeys;
import io.jswarm.proto.state.DataKey;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11: the data-key roots are in the durable state only sealed (no file under the swarm directory holds
 * a root, raw or base64), they open with the manager's seal after a restart, and the same generation comes
 * back (a restart does not rotate: "init" only when there is no generation).
 */
class DataKeysAtRestTest {
    @TempDir
    Path dir;

    private ManagerNode open() throws Exception {
        return ManagerNode.open(dir, new ManagerConfig(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1:2377",
                Duration.ofMillis(200), Duration.ofMillis(800), "test"), NetworkApiTest.CLOCK);
    }

    private DataKeys ownKeys(ManagerNode m) throws Exception {
        AtomicReference<DataKeys> got = new AtomicReference<>();
        m.addOwnKeysListener(got::set);
        m.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (got.get() == null || got.get().getPrimaryGeneration() == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no DataKeys for the manager's own node within 15 s");
            }
            Thread.sleep(20);
        }
        return got.get();
    }

    @Test
    void rootsAreSealedAtRestAndSurviveARestart() throws Exception {
        ManagerNode.bootstrap(dir, new InitParams("m1", "127.0.0.1", "127.0.0.1:2377", "", 0, List.of(), 24,
                Duration.ofHours(2), "test"), NetworkApiTest.CLOCK);
        DataKey key;
        String clusterId;
        try (ManagerNode m = open()) {
            clusterId = m.clusterId();
            DataKeys own = ownKeys(m);
            assertEquals(1, own.getPrimaryGeneration());
            assertEquals(1, own.getSelfIndex(), "the bootstrap node's data index");
            key = m.store().view().primaryDataKey().orElseThrow();
            m.store().compactNow(); // the snapshot holds it too
        }
        SecretSeal seal = SecretSeal.loadOrCreate(dir.resolve("ca").resolve(JoinSecrets.KEY_FILE), new SecureRandom());
        DataKeyRoot root = new RootSeal(seal, clusterId).open(key);
        assertEquals(List.of(), filesHolding(root.bytes()), "raw root at rest");
        assertEquals(List.of(), filesHolding(root.encoded().getBytes(StandardCharsets.US_ASCII)), "base64 root at rest");
        try (ManagerNode m = open()) {
            DataKeys own = ownKeys(m);
            assertEquals(1, own.getPrimaryGeneration(), "a restart keeps the generation");
            assertEquals(List.of(1), m.store().view().dataKeys().stream().map(DataKey::getGeneration).toList());
            assertTrue(m.store().view().dataKeys().getFirst().getRootSealed().equals(key.getRootSealed()));
        }
        assertFalse(key.toString().contains(root.encoded()));
    }

    private List<Path> filesHolding(byte[] needle) throws Exception {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] hay = Files.readAllBytes(f);
                outer:
                for (int i = 0; i + needle.length <= hay.length; i++) {
                    for (int j = 0; j < needle.length; j++) {
                        if (hay[i + j] != needle[j]) {
                            continue outer;
                        }
                    }
                    out.add(dir.relativize(f));
                    break;
                }
            }
        }
        return out;
    }
}
