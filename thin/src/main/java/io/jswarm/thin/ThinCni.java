package io.jswarm.thin;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fast {@code jswarm-cni} (issue 13): hands a CNI call (its {@code CNI_*} environment and the network
 * configuration from stdin) to the daemon's CLI socket, where the daemon runs the same plugin code as the full
 * {@code CniMain} on its in-process channel, and prints the plugin's answer with its exit code. A daemon it cannot
 * reach, or one that does not serve CNI calls, exits {@link FastPath#FALLBACK} before anything was sent, and the
 * launcher runs the full plugin with the same stdin (which also gives the spec's error answer). java.base only:
 * a runtime execs the plugin for every container, and the full plugin's JVM loads gRPC and Netty each time.
 *
 * <p>The daemon is the one the configuration's {@code "socket"} names (default {@code /run/jswarm/jswarm.sock}), found
 * by a plain pattern here; the daemon parses the configuration again and answers for that socket only, so a
 * configuration this reading gets wrong is still answered right (or the full plugin runs).
 */
public final class ThinCni {
    /** The daemon's default control socket, as the thin client's default host. */
    static final String DEFAULT_SOCKET = ThinClient.DEFAULT_HOST.substring("unix://".length());
    /** The spec's configurations are small; the full plugin refuses more than 1 MiB too. */
    private static final int MAX_CONFIG = 1 << 20;
    private static final int MAX_ANSWER = 1 << 20;
    private static final Pattern SOCKET = Pattern.compile("\"socket\"\\s*:\\s*\"([^\"\\\\]+)\"");

    private ThinCni() {
    }

    public static void main(String[] args) throws IOException {
        byte[] stdin = System.in.readNBytes(MAX_CONFIG + 1);
        System.exit(run(System.getenv(), stdin, System.out, System.err));
    }

    /** One CNI call; returns the exit code ({@link FastPath#FALLBACK}: run the full plugin, nothing was sent). */
    public static int run(Map<String, String> env, byte[] stdin, PrintStream out, PrintStream err) {
        if (stdin.length > MAX_CONFIG) {
            return FastPath.FALLBACK; // the full plugin answers the spec's error
        }
        String config = new String(stdin, StandardCharsets.UTF_8);
        Matcher m = SOCKET.matcher(config);
        Path socket = FastPath.cliSocket(Path.of(m.find() ? m.group(1) : DEFAULT_SOCKET));
        if (!Files.exists(socket)) {
            return FastPath.FALLBACK;
        }
        byte[] body;
        try {
            body = FastPath.encode(request(env, config));
        } catch (IllegalArgumentException e) {
            return FastPath.FALLBACK; // a NUL byte: the full plugin says what is wrong
        }
        SocketChannel ch = ThinClient.connect(socket);
        if (ch == null) {
            return FastPath.FALLBACK;
        }
        try (ch) {
            ThinClient.post(ch, FastPath.CNI_PATH, body);
            return answer(Channels.newInputStream(ch), out);
        } catch (IOException | RuntimeException e) {
            // Sent, or maybe sent: an ADD must not run twice. The spec's error answer (code 11: try again later).
            out.println("{\"cniVersion\":\"1.1.0\",\"code\":11,\"msg\":\"jswarm-cni: no answer from the jswarm daemon at "
                    + socket + ": " + String.valueOf(e.getMessage()).replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
            return 1;
        }
    }

    /** The call as the daemon reads it: {@code CNI_*} variables as NAME=VALUE, sorted, then the configuration. */
    public static List<String> request(Map<String, String> env, String config) {
        List<String> args = new ArrayList<>();
        new TreeMap<>(env).forEach((k, v) -> {
            if (k.startsWith("CNI_")) {
                args.add(k + "=" + v);
            }
        });
        args.add(config);
        return args;
    }

    private static int answer(InputStream in, PrintStream out) throws IOException {
        ThinClient.Answer a = ThinClient.read(in, MAX_ANSWER);
        if (a.status() == FastPath.NOT_SERVED) {
            return FastPath.FALLBACK; // the daemon ran nothing (an older one, or its CLI socket is busy)
        }
        String exit = a.header(FastPath.EXIT_HEADER, null);
        if (a.status() != 200 || exit == null) {
            throw new IOException("the daemon refused the call (" + a.status() + ")");
        }
        out.write(a.body());
        out.flush();
        return Integer.parseInt(exit);
    }
}
