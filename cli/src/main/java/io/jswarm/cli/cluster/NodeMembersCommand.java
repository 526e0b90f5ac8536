package io.jswarm.cli.cluster;

import io.jswarm.proto.cluster.Member;
import io.jswarm.proto.cluster.MembersRequest;
import io.jswarm.proto.cluster.MembersResponse;
import io.jswarm.proto.state.Role;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jswarm node members}: the gossip membership as THIS node sees it (works on workers too, unlike
 * {@code node ls}, which is the manager's table). Not a Docker command; jswarm's window on SWIM.
 */
@Command(name = "members", mixinStandardHelpOptions = true,
        description = "List the gossip members this node currently sees (any node, not only managers)")
final class NodeMembersCommand extends ClientCommand {
    @Option(names = "--format", paramLabel = "FORMAT", description = "Format output: table (default) or json")
    String format = "table";

    @Override
    int run(DaemonClient daemon, PrintWriter out) {
        MembersResponse r = daemon.call(s -> s.members(MembersRequest.getDefaultInstance()));
        if (format.equals("json")) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Running", r.getRunning());
            if (r.hasSelf()) {
                m.put("Self", member(r.getSelf()));
            }
            List<Object> others = new ArrayList<>();
            r.getMembersList().forEach(x -> others.add(member(x)));
            m.put("Members", others);
            m.put("Joins", r.getJoins());
            m.put("Removals", r.getRemovals());
            m.put("SuspicionRemovals", r.getSuspicionRemovals());
            out.println(Json.write(m));
        } else if (format.equals("table")) {
            if (!r.getRunning()) {
                out.println("gossip is not running on this node");
                return 0;
            }
            List<Member> all = new ArrayList<>(List.of(r.getSelf()));
            all.addAll(r.getMembersList());
            out.printf("%-26s %-8s %-22s %s%n", "ID", "ROLE", "GOSSIP ADDR", "DATA PATH ADDR");
            for (Member x : all) {
                out.printf("%-26s %-8s %-22s %s%n", x.getNodeId() + (x == r.getSelf() ? " *" : ""),
                        x.getRole() == Role.ROLE_MANAGER ? "manager" : "worker", x.getGossipAddr(), x.getDataPathAddr());
            }
        } else {
            throw new IllegalArgumentException("unsupported format " + format + " (table or json)");
        }
        return 0;
    }

    private static Map<String, Object> member(Member x) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", x.getNodeId());
        m.put("Role", x.getRole() == Role.ROLE_MANAGER ? "manager" : "worker");
        m.put("GossipAddr", x.getGossipAddr());
        m.put("DataPathAddr", x.getDataPathAddr());
        m.put("Version", x.getVersion());
        return m;
    }
}
