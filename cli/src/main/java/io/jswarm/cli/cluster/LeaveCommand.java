package io.jswarm.cli.cluster;

import io.jswarm.proto.cluster.LeaveRequest;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "leave", mixinStandardHelpOptions = true, description = "Leave the swarm")
final class LeaveCommand extends ClientCommand {
    @Option(names = {"-f", "--force"}, description = "Force this node to leave the swarm, ignoring warnings")
    boolean force;

    @Override
    int run(DaemonClient daemon, PrintWriter out) {
        daemon.call(s -> s.leave(LeaveRequest.newBuilder().setForce(force).build()));
        out.println("Node left the swarm.");
        return 0;
    }
}
