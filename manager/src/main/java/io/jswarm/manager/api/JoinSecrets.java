package io.jswarm.manager.api;

import io.jswarm.manager.state.StateStore;
import io.jswarm.encryption.SecretSeal;
import io.jswarm.proto.state.InitCluster;
import io.jswarm.proto.state.Role;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;

/**
 * The join secrets as the command log and snapshots hold them: sealed ({@link SecretSeal}, key
 * {@code swarm/ca/secrets.key}, owner-only), never in plaintext, so a copy of {@code raft/} (a backup, a
 * support bundle, a future replica's transfer) does not let anyone join. {@code join-token} opens them to
 * print the token; a restart reads the same key. Logs written before sealing still carry plaintext fields,
 * which are read as they are until the next rotation replaces them.
 */
final class JoinSecrets {
    static final String KEY_FILE = "secrets.key";

    private final SecretSeal seal;

    private JoinSecrets(SecretSeal seal) {
        this.seal = seal;
    }

    /** The seal of the cluster whose CA directory is {@code caDir} (the key is made there on first use). */
    static JoinSecrets open(Path caDir, SecureRandom random) throws IOException {
        return new JoinSecrets(SecretSeal.loadOrCreate(caDir.resolve(KEY_FILE), random));
    }

    byte[] seal(String clusterId, Role role, String secret) {
        return seal.seal(secret, context(clusterId, role));
    }

    /** The current secret for {@code role}. */
    String secret(InitCluster c, Role role) {
        boolean manager = role == Role.ROLE_MANAGER;
        var sealed = manager ? c.getManagerTokenSealed() : c.getWorkerTokenSealed();
        if (sealed.isEmpty()) {
            return manager ? c.getManagerTokenSecret() : c.getWorkerTokenSecret(); // a log from before sealing
        }
        return seal.open(sealed.toByteArray(), context(c.getClusterId(), role));
    }

    /**
     * A data root from before sealing: each plaintext secret is sealed in place (a rotation to the same secret,
     * so every token handed out keeps working) and the log is compacted, so the plaintext leaves the disk.
     * Returns how many were sealed.
     */
    int sealLegacy(io.jswarm.manager.state.StateStore store) throws IOException {
        InitCluster c = store.view().cluster().orElse(null);
        if (c == null) {
            return 0;
        }
        int sealed = 0;
        for (Role role : new Role[] {Role.ROLE_WORKER, Role.ROLE_MANAGER}) {
            boolean manager = role == Role.ROLE_MANAGER;
            String plain = manager ? c.getManagerTokenSecret() : c.getWorkerTokenSecret();
            boolean hasSealed = !(manager ? c.getManagerTokenSealed() : c.getWorkerTokenSealed()).isEmpty();
            if (plain.isEmpty() || hasSealed) {
                continue;
            }
            var outcome = store.submit(io.jswarm.proto.state.Command.newBuilder().setRotateJoinToken(
                    io.jswarm.proto.state.RotateJoinToken.newBuilder().setRole(role).setNewSecretSealed(
                            com.google.protobuf.ByteString.copyFrom(seal(c.getClusterId(), role, plain)))).build());
            if (outcome instanceof io.jswarm.manager.state.StateStore.Outcome.Refused r) {
                throw new IOException("cannot seal the " + role + " join secret: " + r.reason());
            }
            sealed++;
        }
        if (sealed > 0) {
            store.compactNow();
        }
        return sealed;
    }

    /** Binds a sealed secret to its cluster and role (authenticated, not secret). */
    private static String context(String clusterId, Role role) {
        return "jswarm join secret/" + clusterId + "/" + role.name();
    }
}
