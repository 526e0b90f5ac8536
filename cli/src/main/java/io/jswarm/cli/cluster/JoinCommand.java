package io.jswarm.cli.cluster;

import io.jswarm.proto.cluster.LocalJoinRequest;
import io.jswarm.proto.cluster.LocalJoinResponse;
import io.jswarm.proto.state.Role;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "join", mixinStandardHelpOptions = true, description = {"Join a swarm as a node",
        "The token is a secret: pass it as --token-file FILE or on standard input (--token -), e.g.",
        "  jswarm join --token-file /root/worker.token 192.0.2.11:2377",
        "  ssh manager jswarm join-token -q worker | jswarm join --token - 192.0.2.11:2377"})
final class JoinCommand extends ClientCommand {
    /** Exactly one of the two. */
    static final class Secret {
        @Option(names = "--token", paramLabel = "TOKEN", description = {"Token for entry into the swarm; \"-\" reads it "
                + "from standard input. A token written here is visible to every user in ps: prefer --token-file or -"})
        String token;

        @Option(names = "--token-file", paramLabel = "FILE", description = "Read the token from FILE (owner-only, "
                + "e.g. chmod 600); it never appears in a process argument")
        java.nio.file.Path file;
    }

    @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Secret secret;

    /** Standard input, for {@code --token -} (tests set it). */
    java.io.InputStream stdin = System.in;

    @Option(names = "--advertise-addr", paramLabel = "ADDR", description = "Advertised address (format: <ip|interface>[:port])")
    String advertiseAddr = "";

    @Option(names = "--data-path-addr", paramLabel = "ADDR", description = "Address or interface to use for data path traffic")
    String dataPathAddr = "";

    @Option(names = "--listen-addr", paramLabel = "ADDR", description = "Listen address of a manager (format: "
            + "<ip|interface>[:port], default 0.0.0.0:2377; its Raft server uses the port + 1)")
    String listenAddr = "";

    @Parameters(paramLabel = "HOST:PORT", description = "A manager's address")
    String remote;

    @Override
    int run(DaemonClient daemon, PrintWriter out) {
        String token = TokenSource.read(secret.token, secret.file, stdin, spec.commandLine().getErr());
        // A manager's join waits for its state to catch up from the others (the daemon bounds that wait).
        LocalJoinResponse r = daemon.call(DaemonClient.MANAGER_CALL_TIMEOUT, s -> s.join(LocalJoinRequest.newBuilder()
                .setToken(token).setRemoteAddr(remote).setAdvertiseAddr(advertiseAddr).setDataPathAddr(dataPathAddr)
                .setListenAddr(listenAddr).build()));
        out.println("This node joined a swarm as a " + (r.getRole() == Role.ROLE_MANAGER ? "manager" : "worker") + ".");
        return 0;
    }
}
