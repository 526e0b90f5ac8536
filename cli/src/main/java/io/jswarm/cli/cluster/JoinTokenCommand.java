package io.jswarm.cli.cluster;

import io.jswarm.proto.cluster.JoinTokenRequest;
import io.jswarm.proto.cluster.JoinTokenResponse;
import io.jswarm.proto.state.Role;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "join-token", mixinStandardHelpOptions = true, description = "Manage join tokens")
final class JoinTokenCommand extends ClientCommand {
    @Parameters(paramLabel = "(worker|manager)")
    String which;

    @Option(names = {"-q", "--quiet"}, description = "Only display token")
    boolean quiet;

    @Option(names = "--rotate", description = "Rotate join token")
    boolean rotate;

    @Override
    int run(DaemonClient daemon, PrintWriter out) {
        Role role = switch (which) {
            case "worker" -> Role.ROLE_WORKER;
            case "manager" -> Role.ROLE_MANAGER;
            default -> throw new IllegalArgumentException("unknown role " + which);
        };
        JoinTokenResponse r = daemon.call(s -> s.joinToken(JoinTokenRequest.newBuilder().setRole(role).setRotate(rotate).build()));
        if (rotate && !quiet) {
            out.println("Successfully rotated " + which + " join token.");
            out.println();
        }
        if (quiet) {
            out.println(r.getToken());
            return 0;
        }
        out.println("To add a " + which + " to this swarm, run the following command:");
        out.println();
        out.println("    jswarm join --token " + r.getToken() + " " + r.getManagerAddr());
        out.println();
        return 0;
    }
}
