package io.jswarm.encryption.tls;

import io.jswarm.encryption.NodeIdentity;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The node's one renewable TLS credential: presents the current certificate in every handshake of every
 * endpoint built on it (manager API server and clients, gossip in both directions). {@link #update} swaps
 * the identity at run time, so a renewed certificate is used by the next handshake without restarting
 * servers, channels or the membership. Thread-safe.
 *
 * <p>The JDK asks for the chain and the private key in two separate calls. The alias names the generation
 * of the identity chosen, so a renewal between the two calls cannot pair the old certificate with the new
 * key (that handshake would fail its signature check).
 */
public final class IdentityKeyManager extends X509ExtendedKeyManager {
    private static final String PREFIX = "node-";

    /** One identity and the generation it was installed as; {@code previous} serves handshakes under way. */
    private record Generation(long number, NodeIdentity identity, Generation previous) {
        String alias() {
            return PREFIX + number;
        }
    }

    private final AtomicReference<Generation> current;

    public IdentityKeyManager(NodeIdentity identity) {
        this.current = new AtomicReference<>(new Generation(0, Objects.requireNonNull(identity, "identity"), null));
    }

    public NodeIdentity identity() {
        return current.get().identity();
    }

    /**
     * Installs a renewed identity. It must be the same node of the same cluster under the same root (a
     * renewal, not another node): anything else is refused and changes nothing.
     */
    public void update(NodeIdentity next) {
        Objects.requireNonNull(next, "next");
        current.updateAndGet(g -> {
            NodeIdentity was = g.identity();
            if (!was.nodeId().equals(next.nodeId()) || !was.clusterId().equals(next.clusterId())
                    || !was.root().equals(next.root())) {
                throw new IllegalArgumentException("a renewal must keep the node id, cluster and root CA: "
                        + was + " cannot become " + next);
            }
            return new Generation(g.number() + 1, next, new Generation(g.number(), was, null));
        });
    }

    private Generation byAlias(String alias) {
        Generation g = current.get();
        if (alias == null) {
            return null;
        }
        if (alias.equals(g.alias())) {
            return g;
        }
        return g.previous() != null && alias.equals(g.previous().alias()) ? g.previous() : null;
    }

    private String aliasFor(String keyType) {
        Generation g = current.get();
        // Only the EC key we hold; answering for another key type would make the JDK pick a scheme we cannot sign.
        return keyType == null || keyType.startsWith(g.identity().privateKey().getAlgorithm()) ? g.alias() : null;
    }

    private String aliasFor(String[] keyTypes) {
        if (keyTypes == null) {
            return current.get().alias();
        }
        for (String t : keyTypes) {
            String alias = aliasFor(t);
            if (alias != null) {
                return alias;
            }
        }
        return null;
    }

    private String[] aliasesFor(String keyType) {
        String alias = aliasFor(keyType);
        return alias == null ? null : new String[]{alias};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return aliasesFor(keyType);
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return aliasesFor(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Generation g = byAlias(alias);
        // The root travels with the leaf so a joining node can pin it by the token's digest.
        return g == null ? null : new X509Certificate[]{g.identity().certificate(), g.identity().root()};
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Generation g = byAlias(alias);
        return g == null ? null : g.identity().privateKey();
    }
}
