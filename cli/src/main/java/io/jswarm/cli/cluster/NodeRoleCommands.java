package io.jswarm.cli.cluster;

import io.jswarm.proto.cluster.DemoteNodeRequest;
import io.jswarm.proto.cluster.PromoteNodeRequest;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Issue 12: {@code node promote} / {@code node demote}, with Docker's messages; managers only. */
final class NodeRoleCommands {
    private NodeRoleCommands() {
    }

    @Command(name = "promote", mixinStandardHelpOptions = true, description = "Promote one or more nodes to manager in the swarm")
    static final class Promote extends ClientCommand {
        @Parameters(arity = "1..*", paramLabel = "NODE", description = "Node id, id prefix or hostname")
        List<String> nodes;

        @Override
        int run(DaemonClient daemon, PrintWriter out) {
            return each(nodes, out, this, ref -> {
                var r = daemon.call(s -> s.promoteNode(PromoteNodeRequest.newBuilder().setNode(ref).build()));
                return r.getChanged() ? "Node " + ref + " promoted to a manager in the swarm."
                        : "Node " + ref + " is already a manager.";
            });
        }
    }

    @Command(name = "demote", mixinStandardHelpOptions = true, description = "Demote one or more nodes from manager in the swarm")
    static final class Demote extends ClientCommand {
        @Parameters(arity = "1..*", paramLabel = "NODE", description = "Node id, id prefix or hostname")
        List<String> nodes;

        @Override
        int run(DaemonClient daemon, PrintWriter out) {
            return each(nodes, out, this, ref -> {
                // Taking a manager out of the Raft configuration waits for a commit: the manager timeout applies.
                var r = daemon.callViaManager(
                        s -> s.demoteNode(DemoteNodeRequest.newBuilder().setNode(ref).build()));
                return r.getChanged() ? "Manager " + ref + " demoted in the swarm." : "Node " + ref + " is already a worker.";
            });
        }
    }

    /** Runs {@code one} for every node in order; a failure is printed and the next node still tried (as Docker). */
    private static int each(List<String> refs, PrintWriter out, ClientCommand cmd,
                            java.util.function.Function<String, String> one) {
        int rc = 0;
        for (String ref : refs) {
            try {
                out.println(one.apply(ref));
            } catch (DaemonClient.Failure e) {
                out.flush();
                cmd.spec.commandLine().getErr().println(e.getMessage());
                cmd.spec.commandLine().getErr().flush();
                rc = 1;
            }
        }
        return rc;
    }
}
