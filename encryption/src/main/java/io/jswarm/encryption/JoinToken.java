package io.jswarm.encryption;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;

/**
 * A join token in Docker's shape, {@code SWMTKN-1-<ca digest>-<secret>}: the digest (SHA-256 of the root
 * CA certificate, 50 base-36 characters) lets a joining node pin the manager's CA before trusting it; the
 * secret (25 base-36 characters, 128 random bits) proves to the manager that the node may join, and with
 * which role (workers and managers get different secrets).
 *
 * <p>{@link #toString()} is redacted so a token never reaches a log by accident; {@link #value()} is the
 * full token, for printing to the operator only.
 */
public record JoinToken(String caDigest, String secret) {
    private static final String PREFIX = "SWMTKN-1-";
    private static final int DIGEST_LENGTH = 50;
    private static final int SECRET_LENGTH = 25;

    public JoinToken {
        if (caDigest == null || !caDigest.matches("[0-9a-z]{" + DIGEST_LENGTH + "}")) {
            throw new IllegalArgumentException("invalid join token: bad CA digest");
        }
        if (secret == null || !secret.matches("[0-9a-z]{" + SECRET_LENGTH + "}")) {
            throw new IllegalArgumentException("invalid join token: bad secret");
        }
    }

    /** A fresh token for the cluster whose root CA is {@code ca}. */
    public static JoinToken generate(X509Certificate ca) {
        return new JoinToken(digestOf(ca), Identifiers.base36(128, SECRET_LENGTH));
    }

    /** Parses a token as printed by {@code jswarm join-token}; the error never echoes the token. */
    public static JoinToken parse(String token) {
        if (token == null || !token.startsWith(PREFIX)) {
            throw new IllegalArgumentException("invalid join token: it should start with " + PREFIX);
        }
        String[] parts = token.substring(PREFIX.length()).split("-");
        if (parts.length != 2) {
            throw new IllegalArgumentException("invalid join token: expected " + PREFIX + "<digest>-<secret>");
        }
        return new JoinToken(parts[0], parts[1]);
    }

    /** The CA digest as it appears in tokens: SHA-256 of the DER certificate, base 36, 50 characters. */
    public static String digestOf(X509Certificate ca) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(ca.getEncoded());
            return Identifiers.pad(new BigInteger(1, sha).toString(36), DIGEST_LENGTH);
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot digest the CA certificate", e);
        }
    }

    /** Whether {@code ca} is the root CA this token was made for (the pin a joining node checks). */
    public boolean pins(X509Certificate ca) {
        return MessageDigest.isEqual(bytes(caDigest), bytes(digestOf(ca)));
    }

    /** Constant-time comparison of the secrets, so timing says nothing about how much of a guess matched. */
    public boolean sameSecret(JoinToken other) {
        return MessageDigest.isEqual(bytes(secret), bytes(other.secret));
    }

    /** The full token, to print for the operator. Never log it. */
    public String value() {
        return PREFIX + caDigest + "-" + secret;
    }

    @Override
    public String toString() {
        return PREFIX + caDigest + "-<redacted>";
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
