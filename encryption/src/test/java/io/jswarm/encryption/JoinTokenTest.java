package io.jswarm.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;

class JoinTokenTest {
    private final CertificateAuthority ca =
            CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());

    @Test
    void hasDockersShapeAndRoundTrips() {
        JoinToken t = JoinToken.generate(ca.certificate());
        assertTrue(t.value().matches("SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}"), t.value());
        assertEquals(t, JoinToken.parse(t.value()));
        assertEquals(ca.digest(), t.caDigest());
    }

    @Test
    void pinsItsOwnCaOnly() {
        JoinToken t = JoinToken.generate(ca.certificate());
        var other = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
        assertTrue(t.pins(ca.certificate()));
        assertFalse(t.pins(other.certificate()));
    }

    @Test
    void secretsAreRandomAndComparedExactly() {
        JoinToken a = JoinToken.generate(ca.certificate());
        JoinToken b = JoinToken.generate(ca.certificate());
        assertNotEquals(a.secret(), b.secret());
        assertFalse(a.sameSecret(b));
        assertTrue(a.sameSecret(JoinToken.parse(a.value())));
    }

    @Test
    void neverShowsTheSecretInToStringOrErrors() {
        JoinToken t = JoinToken.generate(ca.certificate());
        assertFalse(t.toString().contains(t.secret()));
        String broken = t.value() + "x";
        var e = assertThrows(IllegalArgumentException.class, () -> JoinToken.parse(broken));
        assertFalse(e.getMessage().contains(t.secret()), e.getMessage());
    }

    @Test
    void rejectsMalformedTokens() {
        assertThrows(IllegalArgumentException.class, () -> JoinToken.parse("SWMTKN-2-abc-def"));
        assertThrows(IllegalArgumentException.class, () -> JoinToken.parse("SWMTKN-1-" + "a".repeat(50)));
        assertThrows(IllegalArgumentException.class, () -> JoinToken.parse("SWMTKN-1-" + "A".repeat(50) + "-" + "a".repeat(25)));
        assertThrows(IllegalArgumentException.class, () -> JoinToken.parse(null));
    }
}
