package io.jswarm.cli.cluster;

import io.jswarm.proto.cluster.LocalJoinRequest;
import io.jswarm.proto.cluster.LocalJoinResponse;
import io.jswarm.proto.state.Role;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "join", mixinStandardHelpOptions = true, description = "Join a swarm as a node")
final class JoinCommand extends ClientCommand {
    @Option(names = "--token", required = true, paramLabel = "TOKEN", description = "Token for entry into the swarm")
    String token;

    @Option(names = "--advertise-addr", paramLabel = "ADDR", description = "Advertised address (format: <ip|interface>[:port])")
    String advertiseAddr = "";

    @Option(names = "--data-path-addr", paramLabel = "ADDR", description = "Address or interface to use for data path traffic")
    String dataPathAddr = "";

    @Parameters(paramLabel = "HOST:PORT", description = "A manager's address")
    String remote;

    @Override
    int run(DaemonClient daemon, PrintWriter out) {
        LocalJoinResponse r = daemon.call(Duration.ofSeconds(30), s -> s.join(LocalJoinRequest.newBuilder()
                .setToken(token).setRemoteAddr(remote).setAdvertiseAddr(advertiseAddr).setDataPathAddr(dataPathAddr).build()));
        out.println("This node joined a swarm as a " + (r.getRole() == Role.ROLE_MANAGER ? "manager" : "worker") + ".");
        return 0;
    }
}
