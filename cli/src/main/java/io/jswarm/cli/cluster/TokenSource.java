package io.jswarm.cli.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Where {@code join} takes its secret from without putting it into a process argument (which every user of
 * the machine can read in {@code ps} or {@code /proc/PID/cmdline}): a file ({@code --token-file FILE}) or
 * standard input ({@code --token -}). A literal {@code --token TOKEN} still works, as in Docker, with a
 * warning. Errors never echo the token.
 */
final class TokenSource {
    /** The value of {@code --token} that means "read it from standard input". */
    static final String STDIN = "-";
    /** A join token is ~90 characters; anything much longer is not one (and is not read into memory). */
    private static final int MAX_LENGTH = 4096;

    private TokenSource() {
    }

    /**
     * @param token   the {@code --token} value, {@code "-"} or {@code null}
     * @param file    the {@code --token-file} value or {@code null} (exactly one of the two is set)
     * @param stdin   standard input
     * @param warn    where warnings go (standard error)
     */
    static String read(String token, Path file, InputStream stdin, java.io.PrintWriter warn) {
        if (file != null) {
            return fromFile(file, warn);
        }
        if (STDIN.equals(token)) {
            return fromStdin(stdin);
        }
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("a join token is required: --token-file FILE or --token - (standard input)");
        }
        warn.println("Warning: a token given on the command line is visible to every user in ps; use --token-file "
                + "FILE or --token - (standard input) instead");
        warn.flush();
        return token.strip();
    }

    private static String fromFile(Path file, java.io.PrintWriter warn) {
        String text;
        try {
            if (Files.size(file) > MAX_LENGTH) {
                throw new IllegalArgumentException("token file " + file + " is too large to be a join token");
            }
            text = Files.readString(file, StandardCharsets.US_ASCII);
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                warn.println("Warning: token file " + file + " is readable by other users; make it owner-only "
                        + "(chmod 600)");
                warn.flush();
            }
        } catch (UnsupportedOperationException e) {
            throw new IllegalArgumentException("cannot read token file " + file + ": no POSIX permissions", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read token file " + file + ": " + e.getMessage(), e);
        }
        return nonEmpty(firstLine(text), "token file " + file);
    }

    private static String fromStdin(InputStream stdin) {
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.US_ASCII));
            char[] buf = new char[MAX_LENGTH];
            int n = r.read(buf, 0, MAX_LENGTH);
            return nonEmpty(n <= 0 ? "" : firstLine(new String(buf, 0, n)), "standard input");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the token from standard input: " + e.getMessage(), e);
        }
    }

    private static String firstLine(String text) {
        return text.strip().lines().findFirst().orElse("").strip();
    }

    private static String nonEmpty(String token, String where) {
        if (token.isEmpty()) {
            throw new IllegalArgumentException("no join token in " + where);
        }
        return token;
    }
}
