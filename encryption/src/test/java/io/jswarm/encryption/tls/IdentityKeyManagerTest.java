package io.jswarm.encryption.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;

/** The renewable credential: swaps identities, never pairs one identity's chain with another's key. */
class IdentityKeyManagerTest {
    private final CertificateAuthority ca =
            CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
    private final NodeIdentity first = ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
    private final IdentityKeyManager keys = new IdentityKeyManager(first);

    @Test
    void aHandshakeThatChoseTheOldIdentityKeepsItsChainAndKeyTogether() {
        String chosen = keys.chooseEngineServerAlias("EC", null, null);
        NodeIdentity renewed = ca.issue(first.nodeId(), Role.WORKER, Duration.ofDays(1));
        keys.update(renewed);
        assertArrayEquals(new X509Certificate[]{first.certificate(), first.root()}, keys.getCertificateChain(chosen));
        assertEquals(first.privateKey(), keys.getPrivateKey(chosen));

        String next = keys.chooseEngineClientAlias(new String[]{"EC"}, null, null);
        assertEquals(renewed.certificate(), keys.getCertificateChain(next)[0]);
        assertEquals(renewed.privateKey(), keys.getPrivateKey(next));
        assertSame(renewed, keys.identity());
        assertNull(keys.chooseEngineServerAlias("RSA", null, null), "only the key type we hold");
    }

    @Test
    void refusesAnUpdateThatIsNotARenewalOfTheSameNode() {
        NodeIdentity other = ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
        var foreignCa = CertificateAuthority.create(first.clusterId(), Duration.ofDays(1), InstantSource.system());
        NodeIdentity sameIdOtherRoot = foreignCa.issue(first.nodeId(), Role.WORKER, Duration.ofDays(1));
        assertThrows(IllegalArgumentException.class, () -> keys.update(other));
        assertThrows(IllegalArgumentException.class, () -> keys.update(sameIdOtherRoot));
        assertSame(first, keys.identity(), "a refusal changes nothing");
    }
}
