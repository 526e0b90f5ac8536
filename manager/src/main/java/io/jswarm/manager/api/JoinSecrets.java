package io.jswarm.manager.api;

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

    /** Binds a sealed secret to its cluster and role (authenticated, not secret). */
    private static String context(String clusterId, Role role) {
        return "jswarm join secret/" + clusterId + "/" + role.name();
    }
}
