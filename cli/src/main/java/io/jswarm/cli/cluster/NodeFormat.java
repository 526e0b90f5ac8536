package io.jswarm.cli.cluster;

import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.NodeStatus;
import io.jswarm.proto.state.Availability;
import io.jswarm.proto.state.Role;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How nodes look in {@code node ls} (table or JSON lines) and {@code node inspect} (Docker's shapes). */
public final class NodeFormat {
    private NodeFormat() {
    }

    public static String status(NodeStatus s) {
        return switch (s) {
            case NODE_STATUS_READY -> "Ready";
            case NODE_STATUS_DOWN -> "Down";
            default -> "Unknown";
        };
    }

    public static String availability(Availability a) {
        return switch (a) {
            case AVAILABILITY_PAUSE -> "Pause";
            case AVAILABILITY_DRAIN -> "Drain";
            default -> "Active";
        };
    }

    /** Docker's MANAGER STATUS: Leader, Reachable, Unreachable, or empty for workers. */
    public static String managerStatus(NodeInfo n) {
        if (n.getRole() != Role.ROLE_MANAGER) {
            return "";
        }
        if (!n.getManagerStatus().isEmpty()) {
            return n.getManagerStatus(); // issue 12: the answering manager's Raft view
        }
        return n.getLeader() ? "Leader" : n.getStatus() == NodeStatus.NODE_STATUS_READY ? "Reachable" : "Unreachable";
    }

    public static String table(List<NodeInfo> nodes, String selfId) {
        Table t = new Table("ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS", "ENGINE VERSION", "ADDRESS");
        for (NodeInfo n : nodes) {
            t.row(n.getId() + (n.getId().equals(selfId) ? " *" : ""), n.getHostname(), status(n.getStatus()),
                    availability(n.getAvailability()), managerStatus(n), n.getEngineVersion(), n.getAddr());
        }
        return t.render();
    }

    /** One JSON object per node, one per line, as {@code docker node ls --format json} prints. */
    public static String jsonLines(List<NodeInfo> nodes, String selfId) {
        StringBuilder sb = new StringBuilder();
        for (NodeInfo n : nodes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Address", n.getAddr());
            m.put("Availability", availability(n.getAvailability()));
            m.put("EngineVersion", n.getEngineVersion());
            m.put("Hostname", n.getHostname());
            m.put("ID", n.getId());
            m.put("ManagerStatus", managerStatus(n));
            m.put("Self", n.getId().equals(selfId));
            m.put("Status", status(n.getStatus()));
            sb.append(Json.write(m)).append('\n');
        }
        return sb.toString();
    }

    /** The object {@code node inspect} prints for one node (Docker's field names). */
    public static Map<String, Object> inspect(NodeInfo n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", n.getId());
        m.put("CreatedAt", Instant.ofEpochMilli(n.getJoinedAtMillis()).toString());
        m.put("Spec", Map.of("Role", n.getRole() == Role.ROLE_MANAGER ? "manager" : "worker",
                "Availability", availability(n.getAvailability()).toLowerCase(java.util.Locale.ROOT)));
        Map<String, Object> desc = new LinkedHashMap<>();
        desc.put("Hostname", n.getHostname());
        desc.put("Engine", Map.of("EngineVersion", n.getEngineVersion()));
        m.put("Description", desc);
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("State", status(n.getStatus()).toLowerCase(java.util.Locale.ROOT));
        status.put("Since", Instant.ofEpochMilli(n.getStatusSinceMillis()).toString());
        status.put("Addr", n.getAddr());
        status.put("DataPathAddr", n.getDataPathAddr());
        m.put("Status", status);
        if (n.getRole() == Role.ROLE_MANAGER) {
            Map<String, Object> ms = new LinkedHashMap<>();
            String raft = managerStatus(n);
            ms.put("Leader", raft.equals("Leader"));
            ms.put("Reachability", raft.equals("Unreachable") ? "unreachable" : "reachable");
            ms.put("Addr", n.getManagerAddr());
            m.put("ManagerStatus", ms);
        }
        return m;
    }
}
