package io.jswarm.cli.cluster;

import io.jswarm.agent.Version;
import io.jswarm.proto.cluster.InfoRequest;
import io.jswarm.proto.cluster.InfoResponse;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "info", mixinStandardHelpOptions = true, description = "Display system-wide information")
final class InfoCommand extends ClientCommand {
    @Option(names = "--format", paramLabel = "FORMAT", description = "Format output: text (default) or json")
    String format = "text";

    @Override
    int run(DaemonClient daemon, PrintWriter out) {
        InfoResponse i = daemon.call(s -> s.info(InfoRequest.getDefaultInstance()));
        if (format.equals("json")) {
            out.println(Json.write(json(i)));
        } else {
            out.print(text(i));
        }
        return 0;
    }

    static String text(InfoResponse i) {
        StringBuilder sb = new StringBuilder();
        sb.append("Client:\n Version:    ").append(Version.VALUE).append("\n\nServer:\n");
        sb.append(" Server Version: ").append(i.getEngineVersion()).append('\n');
        sb.append(" Name: ").append(i.getHostname()).append('\n');
        sb.append(" Swarm: ").append(i.getLocalNodeState()).append('\n');
        if (!i.getNodeId().isEmpty()) {
            sb.append("  NodeID: ").append(i.getNodeId()).append('\n');
            if (!i.getError().isEmpty()) {
                sb.append("  Error: ").append(i.getError()).append('\n');
            }
            sb.append("  Is Manager: ").append(i.getIsManager()).append('\n');
            sb.append("  ClusterID: ").append(i.getClusterId()).append('\n');
            sb.append("  Managers: ").append(i.getManagers()).append('\n');
            if (i.getIsManager()) {
                // Issue 12: the leader and the quorum as this manager sees them.
                sb.append("  Leader: ").append(i.getLeaderId().isEmpty() ? "none"
                        : i.getLeaderId() + (i.getLeaderAddr().isEmpty() ? "" : " (" + i.getLeaderAddr() + ")")).append('\n');
                sb.append("  Quorum: ").append(i.getHasQuorum() ? "yes" : "no (writes fail; reads may be stale)")
                        .append(", ").append(i.getReachableManagers()).append(" of ").append(i.getManagers())
                        .append(" managers reachable\n");
            }
            sb.append("  Nodes: ").append(i.getNodes()).append('\n');
            if (i.getDefaultAddrPoolCount() > 0) {
                sb.append("  Default Address Pool: ").append(String.join(" ", i.getDefaultAddrPoolList())).append('\n');
                sb.append("  SubnetSize: ").append(i.getDefaultAddrPoolMaskLength()).append('\n');
                sb.append("  Data Path Port: ").append(i.getDataPathPort()).append('\n');
            }
            sb.append("  Node Certificate Expiry: ").append(Instant.ofEpochMilli(i.getCertificateExpiryMillis())).append('\n');
            sb.append("  Node Address: ").append(i.getNodeAddr()).append('\n');
            sb.append("  Manager Addresses:\n");
            i.getManagerAddrsList().forEach(a -> sb.append("   ").append(a).append('\n'));
        }
        sb.append(" JSwarm Root Dir: ").append(i.getDataRoot()).append('\n');
        return sb.toString();
    }

    static Map<String, Object> json(InfoResponse i) {
        Map<String, Object> swarm = new LinkedHashMap<>();
        swarm.put("NodeID", i.getNodeId());
        swarm.put("NodeAddr", i.getNodeAddr());
        swarm.put("LocalNodeState", i.getLocalNodeState());
        swarm.put("ControlAvailable", i.getIsManager());
        swarm.put("Error", i.getError());
        swarm.put("ClusterID", i.getClusterId());
        swarm.put("Managers", i.getManagers());
        if (i.getIsManager()) {
            swarm.put("Leader", i.getLeaderId());
            swarm.put("LeaderAddr", i.getLeaderAddr());
            swarm.put("Quorum", i.getHasQuorum());
            swarm.put("ReachableManagers", i.getReachableManagers());
        }
        swarm.put("Nodes", i.getNodes());
        swarm.put("RemoteManagers", i.getManagerAddrsList());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Name", i.getHostname());
        m.put("ServerVersion", i.getEngineVersion());
        m.put("RootDir", i.getDataRoot());
        m.put("Swarm", swarm);
        return m;
    }
}
