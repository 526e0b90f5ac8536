package io.jswarm.engine;

import io.jswarm.proto.cluster.InfoResponse;
import io.jswarm.proto.cluster.LocalEndpoint;
import io.jswarm.proto.cluster.NetworkInspectResponse;
import io.jswarm.proto.cluster.NetworkPeer;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.NodeStatus;
import io.jswarm.proto.state.Availability;
import io.jswarm.proto.state.Network;
import io.jswarm.proto.state.Role;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * jswarm's messages in moby's JSON shapes (api/swagger.yaml: Node, Network, Swarm, SystemInfo). Pure functions;
 * public for the jswarm CLI, whose {@code network inspect} prints the same Network object.
 */
public final class DockerShapes {
    public static final String VXLAN_OPTION = "com.docker.network.driver.overlay.vxlanid_list";
    public static final String MTU_OPTION = "com.docker.network.driver.mtu";

    private DockerShapes() {
    }

    static String time(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }

    static Map<String, Object> version(long index) {
        return Map.of("Index", index);
    }

    static String role(Role r) {
        return r == Role.ROLE_MANAGER ? "manager" : "worker";
    }

    static String state(NodeStatus s) {
        return switch (s) {
            case NODE_STATUS_READY -> "ready";
            case NODE_STATUS_DOWN -> "down";
            default -> "unknown";
        };
    }

    static String availability(Availability a) {
        return switch (a) {
            case AVAILABILITY_PAUSE -> "pause";
            case AVAILABILITY_DRAIN -> "drain";
            default -> "active";
        };
    }

    /** swagger Node. */
    static Map<String, Object> node(NodeInfo n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", n.getId());
        m.put("Version", version(1));
        m.put("CreatedAt", time(n.getJoinedAtMillis()));
        m.put("UpdatedAt", time(Math.max(n.getJoinedAtMillis(), n.getStatusSinceMillis())));
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("Labels", Map.of());
        spec.put("Role", role(n.getRole()));
        spec.put("Availability", availability(n.getAvailability()));
        m.put("Spec", spec);
        Map<String, Object> desc = new LinkedHashMap<>();
        desc.put("Hostname", n.getHostname());
        desc.put("Platform", Map.of("Architecture", arch(), "OS", "linux"));
        desc.put("Resources", Map.of("NanoCPUs", 0L, "MemoryBytes", 0L));
        desc.put("Engine", Map.of("EngineVersion", n.getEngineVersion(), "Plugins",
                List.of(Map.of("Type", "Network", "Name", "overlay"))));
        m.put("Description", desc);
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("State", state(n.getStatus()));
        status.put("Message", "");
        status.put("Addr", n.getAddr());
        m.put("Status", status);
        if (n.getRole() == Role.ROLE_MANAGER) {
            String raft = n.getManagerStatus().isEmpty()
                    ? (n.getLeader() ? "Leader" : n.getStatus() == NodeStatus.NODE_STATUS_READY ? "Reachable" : "Unreachable")
                    : n.getManagerStatus();
            Map<String, Object> ms = new LinkedHashMap<>();
            ms.put("Leader", raft.equals("Leader"));
            ms.put("Reachability", raft.equals("Unreachable") ? "unreachable" : "reachable");
            ms.put("Addr", n.getManagerAddr().isEmpty() ? n.getAddr() + ":2377" : n.getManagerAddr());
            m.put("ManagerStatus", ms);
        }
        return m;
    }

    static String arch() {
        String a = System.getProperty("os.arch");
        return a.equals("amd64") ? "x86_64" : a;
    }

    /**
     * swagger Network; {@code inspect} (this host's view, or null) adds Containers and Peers (on an encrypted
     * network with the generations of each peer's SAs, never a key or SPI; 0 / empty: none installed).
     */
    public static Map<String, Object> network(Network n, NetworkInspectResponse inspect) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Name", n.getName());
        m.put("Id", n.getNetworkId());
        m.put("Created", time(n.getCreatedAtMillis()));
        m.put("Scope", "swarm");
        m.put("Driver", "overlay");
        m.put("EnableIPv6", false);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("Subnet", n.getSubnet());
        config.put("Gateway", n.getGateway());
        if (!n.getIpRange().isEmpty() && !n.getIpRange().equals(n.getSubnet())) {
            config.put("IPRange", n.getIpRange());
        }
        Map<String, Object> ipam = new LinkedHashMap<>();
        ipam.put("Driver", "default");
        ipam.put("Options", null);
        ipam.put("Config", List.of(config));
        m.put("IPAM", ipam);
        m.put("Internal", n.getInternal());
        m.put("Attachable", n.getAttachable());
        m.put("Ingress", false);
        m.put("ConfigFrom", Map.of("Network", ""));
        m.put("ConfigOnly", false);
        Map<String, Object> containers = new LinkedHashMap<>();
        List<Object> peers = new ArrayList<>();
        if (inspect != null) {
            for (LocalEndpoint e : inspect.getContainersList()) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("Name", e.getName());
                c.put("EndpointID", e.getEndpointId());
                c.put("MacAddress", e.getMac());
                c.put("IPv4Address", e.getIpv4());
                c.put("IPv6Address", "");
                containers.put(e.getEndpointId(), c);
            }
            for (NetworkPeer p : inspect.getPeersList()) {
                Map<String, Object> pm = new LinkedHashMap<>();
                pm.put("Name", p.getName());
                pm.put("IP", p.getIp());
                if (n.getEncrypted()) {
                    pm.put("KeyGeneration", (long) p.getKeyGenerationOut());
                    pm.put("KeyGenerationsIn", p.getKeyGenerationsInList().stream().map(Integer::longValue).toList());
                }
                peers.add(pm);
            }
        }
        m.put("Containers", containers);
        Map<String, Object> options = new LinkedHashMap<>();
        options.put(VXLAN_OPTION, String.valueOf(n.getVni()));
        if (n.getMtu() != 0) {
            options.put(MTU_OPTION, String.valueOf(n.getMtu()));
        }
        if (n.getEncrypted()) {
            options.put("encrypted", "true"); // Docker shows it as "encrypted": "" or "true"; never a key
        }
        m.put("Options", options);
        m.put("Labels", new TreeMap<>(n.getLabelsMap()));
        if (inspect != null) {
            m.put("Peers", peers);
        }
        return m;
    }

    /** swagger ClusterInfo (the part of Swarm and SystemInfo.Swarm.Cluster jswarm knows). */
    static Map<String, Object> cluster(InfoResponse i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", i.getClusterId());
        m.put("Version", version(1));
        m.put("CreatedAt", time(0));
        m.put("UpdatedAt", time(0));
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("Name", "default");
        spec.put("Labels", Map.of());
        spec.put("Orchestration", Map.of());
        spec.put("Raft", Map.of("SnapshotInterval", 10000L, "LogEntriesForSlowFollowers", 500L,
                "ElectionTick", 10L, "HeartbeatTick", 1L));
        spec.put("Dispatcher", Map.of("HeartbeatPeriod", 1_000_000_000L));
        Map<String, Object> ca = new LinkedHashMap<>();
        ca.put("NodeCertExpiry", 90L * 24 * 3600 * 1_000_000_000L);
        spec.put("CAConfig", ca);
        spec.put("TaskDefaults", Map.of());
        spec.put("EncryptionConfig", Map.of("AutoLockManagers", false));
        m.put("Spec", spec);
        m.put("TLSInfo", Map.of("TrustRoot", "", "CertIssuerSubject", "", "CertIssuerPublicKey", ""));
        m.put("RootRotationInProgress", false);
        m.put("DataPathPort", (long) (i.getDataPathPort() == 0 ? 4789 : i.getDataPathPort()));
        m.put("DefaultAddrPool", List.copyOf(i.getDefaultAddrPoolList()));
        m.put("SubnetSize", (long) i.getDefaultAddrPoolMaskLength());
        return m;
    }

    /** swagger SwarmInfo (SystemInfo.Swarm). */
    static Map<String, Object> swarmInfo(InfoResponse i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("NodeID", i.getNodeId());
        m.put("NodeAddr", i.getNodeAddr());
        m.put("LocalNodeState", i.getLocalNodeState().isEmpty() ? "inactive" : i.getLocalNodeState());
        m.put("ControlAvailable", i.getIsManager());
        m.put("Error", i.getError());
        List<Object> remote = new ArrayList<>();
        for (String addr : i.getManagerAddrsList()) {
            remote.add(Map.of("NodeID", "", "Addr", addr));
        }
        m.put("RemoteManagers", remote.isEmpty() ? null : remote);
        m.put("Nodes", (long) i.getNodes());
        m.put("Managers", (long) i.getManagers());
        if (i.getIsManager()) {
            m.put("Cluster", cluster(i));
        }
        return m;
    }

    /** swagger SystemInfo: the daemon, no containers or images (jswarm runs none). */
    static Map<String, Object> systemInfo(InfoResponse i, String apiVersion) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", i.getNodeId());
        m.put("Containers", 0L);
        m.put("ContainersRunning", 0L);
        m.put("ContainersPaused", 0L);
        m.put("ContainersStopped", 0L);
        m.put("Images", 0L);
        m.put("Driver", "");
        m.put("DockerRootDir", i.getDataRoot());
        m.put("Plugins", Map.of("Volume", List.of(), "Network", List.of("overlay"), "Authorization", List.of(),
                "Log", List.of()));
        m.put("MemoryLimit", false);
        m.put("SwapLimit", false);
        m.put("NCPU", (long) Runtime.getRuntime().availableProcessors());
        m.put("MemTotal", 0L);
        m.put("Name", i.getHostname());
        m.put("Labels", List.of());
        m.put("ExperimentalBuild", false);
        m.put("ServerVersion", i.getEngineVersion());
        m.put("OSType", "linux");
        m.put("OperatingSystem", "jswarm");
        m.put("Architecture", arch());
        m.put("KernelVersion", System.getProperty("os.version"));
        m.put("IndexServerAddress", "");
        m.put("RegistryConfig", null);
        m.put("Warnings", List.of());
        m.put("Swarm", swarmInfo(i));
        return m;
    }
}
