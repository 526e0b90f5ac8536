package io.jswarm.cli.cluster;

import io.jswarm.proto.cluster.InspectNodeRequest;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.ListNodesResponse;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.RemoveNodeRequest;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "node", mixinStandardHelpOptions = true, description = "Manage swarm nodes",
        subcommands = {NodeCommand.Ls.class, NodeCommand.Inspect.class, NodeCommand.Rm.class, NodeMembersCommand.class,
                NodeRoleCommands.Promote.class, NodeRoleCommands.Demote.class})
final class NodeCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** Issue 12: a manager without a quorum answers from its own copy, which may miss the latest changes. */
    static final String STALE = "WARNING: this manager has no quorum; the list may be stale";

    @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List nodes in the swarm")
    static final class Ls extends ClientCommand {

        @Option(names = {"-q", "--quiet"}, description = "Only display IDs")
        boolean quiet;

        @Option(names = "--format", paramLabel = "FORMAT", description = "Format output: table (default) or json")
        String format = "table";

        @Override
        int run(DaemonClient daemon, PrintWriter out) {
            ListNodesResponse r = daemon.call(s -> s.listNodes(ListNodesRequest.getDefaultInstance()));
            if (r.getPossiblyStale()) {
                spec.commandLine().getErr().println(STALE); // stderr: the list itself stays parseable
                spec.commandLine().getErr().flush();
            }
            if (quiet) {
                r.getNodesList().forEach(n -> out.println(n.getId()));
            } else if (format.equals("json")) {
                out.print(NodeFormat.jsonLines(r.getNodesList(), r.getSelfId()));
            } else if (format.equals("table")) {
                out.print(NodeFormat.table(r.getNodesList(), r.getSelfId()));
            } else {
                throw new IllegalArgumentException("unsupported format " + format + " (table or json)");
            }
            return 0;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Display detailed information on one or more nodes")
    static final class Inspect extends ClientCommand {
        @Parameters(arity = "1..*", paramLabel = "NODE", description = "Node id, id prefix, hostname, or \"self\"")
        List<String> nodes;

        @Override
        int run(DaemonClient daemon, PrintWriter out) {
            List<Map<String, Object>> found = new ArrayList<>();
            for (String ref : nodes) {
                NodeInfo n = daemon.call(s -> s.inspectNode(InspectNodeRequest.newBuilder().setNode(ref).build()));
                found.add(NodeFormat.inspect(n));
            }
            out.println(Json.pretty(found, 4));
            return 0;
        }
    }

    @Command(name = "rm", aliases = "remove", mixinStandardHelpOptions = true, description = "Remove one or more nodes from the swarm")
    static final class Rm extends ClientCommand {
        @Option(names = {"-f", "--force"}, description = "Force remove a node from the swarm")
        boolean force;

        @Parameters(arity = "1..*", paramLabel = "NODE")
        List<String> nodes;

        @Override
        int run(DaemonClient daemon, PrintWriter out) {
            int rc = 0;
            for (String ref : nodes) {
                try {
                    daemon.call(s -> s.removeNode(RemoveNodeRequest.newBuilder().setNode(ref).setForce(force).build()));
                    out.println(ref);
                } catch (DaemonClient.Failure e) {
                    out.flush();
                    spec.commandLine().getErr().println(e.getMessage());
                    rc = 1;
                }
            }
            return rc;
        }
    }
}
