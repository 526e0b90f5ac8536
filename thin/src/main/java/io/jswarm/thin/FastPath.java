package io.jswarm.thin;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which command lines the daemon runs for the thin client, where it listens for them and how they travel: the
 * one contract between {@link ThinClient} (java.base only, in a JVM that must start in tens of milliseconds)
 * and the daemon's CLI endpoint (cli's {@code CliEndpoint}, which runs the full picocli CLI in the daemon on an
 * in-process channel). Both sides check {@link #eligible}: the client to choose the fast path, the daemon to
 * refuse anything else.
 *
 * <p>Eligible: commands whose whole effect is calls to the daemon and whose output is all they give back. Not
 * eligible, so run by the full client as before: {@code daemon} and {@code demo} (they are processes of their
 * own), {@code join} (it reads its token from a file or standard input, which only the caller may open),
 * {@code network prune} without {@code --force} (it asks on standard input), help and version (local), and
 * anything with an option before the command other than {@code -H}.
 *
 * <p>Wire: {@code POST /jswarm/v1/cli} on {@link #cliSocket}; the body is the arguments, each UTF-8 and ended
 * by a NUL byte (an argument cannot contain one). The answer is 200 with headers {@value #EXIT_HEADER} (the
 * exit code) and {@value #STDOUT_HEADER} (how many body bytes are standard output; the rest is standard
 * error), or an error status with a text body.
 */
public final class FastPath {
    public static final String PATH = "/jswarm/v1/cli";
    /** Where {@link ThinCni} posts a CNI call (its {@code CNI_*} variables, then the configuration). */
    public static final String CNI_PATH = "/jswarm/v1/cni";
    public static final String EXIT_HEADER = "X-Jswarm-Exit";
    public static final String STDOUT_HEADER = "X-Jswarm-Stdout-Length";
    /** The launcher runs the full client when the thin one exits with this (nothing was sent to the daemon). */
    public static final int FALLBACK = 120;
    /** The daemon's answer to a command line it does not run: the thin client then falls back. */
    public static final int NOT_SERVED = 501;

    private static final Set<String> WHOLE = Set.of("info", "init", "leave", "join-token");
    private static final Set<String> NODE = Set.of("ls", "inspect", "rm", "promote", "demote", "members");
    private static final Set<String> NETWORK = Set.of("create", "ls", "inspect", "rm", "rotate-keys", "attach",
            "connect", "disconnect", "detach", "prune");
    private static final Set<String> HELP = Set.of("-h", "--help", "help", "-V", "--version");

    private FastPath() {
    }

    /** The daemon's CLI socket beside its control socket ({@code -H}): {@code /run/jswarm/jswarm.sock.http}. */
    public static Path cliSocket(Path controlSocket) {
        return Path.of(controlSocket.toString() + ".http");
    }

    /** Whether the daemon may run this command line (see the class comment). */
    public static boolean eligible(List<String> args) {
        int i = commandIndex(args);
        if (i < 0) {
            return false;
        }
        String command = args.get(i);
        List<String> rest = args.subList(i + 1, args.size());
        if (rest.stream().anyMatch(a -> a.startsWith("@"))) {
            return false; // picocli's @file: a file of the caller's, which the daemon must not open for it
        }
        if (rest.stream().anyMatch(HELP::contains)) {
            return false;
        }
        if (WHOLE.contains(command)) {
            return true;
        }
        String sub = firstWord(rest);
        return switch (command) {
            case "node" -> sub != null && NODE.contains(sub);
            case "network" -> sub != null && NETWORK.contains(sub)
                    && (!sub.equals("prune") || rest.contains("-f") || rest.contains("--force"));
            default -> false;
        };
    }

    /** The command's name (the first word after any {@code -H}), if the line starts that way. */
    public static Optional<String> command(List<String> args) {
        int i = commandIndex(args);
        return i < 0 ? Optional.empty() : Optional.of(args.get(i));
    }

    /** The command and, for node and network, the subcommand ("network ls"): what a log may name of a line. */
    public static String words(List<String> args) {
        int i = commandIndex(args);
        if (i < 0) {
            return "";
        }
        String command = args.get(i);
        String sub = command.equals("node") || command.equals("network") ? firstWord(args.subList(i + 1, args.size())) : null;
        return sub == null ? command : command + " " + sub;
    }

    /** Where the command's name is: after the {@code -H} options; -1 if another option or nothing comes first. */
    private static int commandIndex(List<String> args) {
        int i = 0;
        while (i < args.size() && args.get(i).startsWith("-")) {
            int skip = hostOption(args, i);
            if (skip == 0) {
                return -1;
            }
            i += skip;
        }
        return i < args.size() ? i : -1;
    }

    /** The {@code -H} value anywhere on the line (the option is inherited, as in Docker), if given. */
    public static Optional<String> host(List<String> args) {
        String found = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("-H") || a.equals("--host")) && i + 1 < args.size()) {
                found = args.get(++i);
            } else if (a.startsWith("--host=")) {
                found = a.substring("--host=".length());
            } else if (a.startsWith("-H") && a.length() > 2) {
                found = a.substring(a.startsWith("-H=") ? 3 : 2);
            } else if (a.equals("--")) {
                break;
            }
        }
        return Optional.ofNullable(found);
    }

    /** How many tokens the {@code -H} option at {@code i} takes (0: it is some other option). */
    private static int hostOption(List<String> args, int i) {
        String a = args.get(i);
        if (a.equals("-H") || a.equals("--host")) {
            return i + 1 < args.size() ? 2 : 0;
        }
        return a.startsWith("--host=") || (a.startsWith("-H") && a.length() > 2) ? 1 : 0;
    }

    private static String firstWord(List<String> rest) {
        for (String a : rest) {
            if (!a.startsWith("-")) {
                return a;
            }
            if (hostOption(List.of(a), 0) == 0) {
                return null; // an option before the subcommand: let the full client parse it
            }
        }
        return null;
    }

    /** The request body: each argument in UTF-8, NUL-terminated. */
    public static byte[] encode(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String a : args) {
            if (a.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("an argument contains a NUL byte");
            }
            out.writeBytes(a.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        return out.toByteArray();
    }

    /** The arguments of a request body; refuses one that does not end with a NUL (a truncated body). */
    public static List<String> decode(byte[] body) {
        List<String> args = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < body.length; i++) {
            if (body[i] == 0) {
                args.add(new String(body, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start != body.length) {
            throw new IllegalArgumentException("the command line does not end with a NUL byte");
        }
        return args;
    }
}
