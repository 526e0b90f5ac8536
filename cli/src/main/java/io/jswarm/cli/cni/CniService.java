package io.jswarm.cli.cni;

import io.grpc.Channel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The daemon's side of the fast {@code jswarm-cni} ({@code io.jswarm.thin.ThinCni}): runs one CNI call with the same
 * {@link CniPlugin} as the full plugin's {@link CniMain}, its daemon calls on the daemon's in-process channel when
 * the configuration names this daemon's control socket (another socket gets its own connection, as the full plugin
 * would make). The records under the configuration's data directory are written by the daemon, as root, as the
 * full plugin (run by the runtime as root) writes them.
 */
public final class CniService {
    private CniService() {
    }

    /** What the plugin printed and its exit code. */
    public record Answer(String stdout, int exit) {
    }

    /**
     * {@code request}: the call as {@code ThinCni.request} sends it ({@code CNI_*} variables as NAME=VALUE, then
     * the configuration); {@code controlSocket}: this daemon's. Refuses (IllegalArgumentException) a request with
     * no configuration or a variable that is not {@code CNI_*}.
     */
    public static Answer run(List<String> request, Path controlSocket, Channel channel) {
        if (request.isEmpty()) {
            throw new IllegalArgumentException("a CNI call needs its configuration");
        }
        Map<String, String> env = new HashMap<>();
        for (String v : request.subList(0, request.size() - 1)) {
            int eq = v.indexOf('=');
            if (!v.startsWith("CNI_") || eq < 0) {
                throw new IllegalArgumentException("not a CNI_ variable: " + v.substring(0, Math.min(v.length(), 40)));
            }
            env.put(v.substring(0, eq), v.substring(eq + 1));
        }
        Path own = controlSocket.toAbsolutePath().normalize();
        CniPlugin.Outcome o = new CniPlugin(env,
                socket -> socket.toAbsolutePath().normalize().equals(own) ? new GrpcCniDaemon(socket, channel) : new GrpcCniDaemon(socket),
                CniMain::hasInterface).run(request.getLast().getBytes(StandardCharsets.UTF_8));
        return new Answer(o.stdout(), o.exit());
    }
}
