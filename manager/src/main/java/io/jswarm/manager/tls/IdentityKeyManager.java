package io.jswarm.manager.tls;

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
 * Presents the node's current certificate in every TLS handshake. The identity can be swapped at run time,
 * so a renewed certificate is used by the next connection without restarting servers or channels.
 */
public final class IdentityKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "node";
    private final AtomicReference<NodeIdentity> identity;

    public IdentityKeyManager(NodeIdentity identity) {
        this.identity = new AtomicReference<>(Objects.requireNonNull(identity));
    }

    public NodeIdentity identity() {
        return identity.get();
    }

    public void update(NodeIdentity next) {
        identity.set(Objects.requireNonNull(next));
    }

    private String aliasFor(String keyType) {
        // Only the EC key we hold; answering for another key type would make the JDK pick a scheme we cannot sign.
        return keyType == null || keyType.startsWith(identity.get().privateKey().getAlgorithm()) ? ALIAS : null;
    }

    private String aliasFor(String[] keyTypes) {
        if (keyTypes == null) {
            return ALIAS;
        }
        for (String t : keyTypes) {
            if (aliasFor(t) != null) {
                return ALIAS;
            }
        }
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return aliasFor(keyType) == null ? null : new String[]{ALIAS};
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
        return aliasFor(keyType) == null ? null : new String[]{ALIAS};
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
        NodeIdentity id = identity.get();
        // The root travels with the leaf so a joining node can pin it by the token's digest.
        return ALIAS.equals(alias) ? new X509Certificate[]{id.certificate(), id.root()} : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? identity.get().privateKey() : null;
    }
}
