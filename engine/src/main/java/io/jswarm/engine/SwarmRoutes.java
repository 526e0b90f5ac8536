package io.jswarm.engine;

import io.jswarm.proto.cluster.InfoRequest;
import io.jswarm.proto.cluster.InfoResponse;
import io.jswarm.proto.cluster.InitRequest;
import io.jswarm.proto.cluster.InspectNodeRequest;
import io.jswarm.proto.cluster.JoinTokenRequest;
import io.jswarm.proto.cluster.LeaveRequest;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.LocalJoinRequest;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.RemoveNodeRequest;
import io.jswarm.proto.state.Role;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** System and swarm routes: _ping, version, info, swarm (inspect, init, join, leave, update), nodes. */
final class SwarmRoutes {
    /** init and join wait for key generation and the manager: the CLI's own 2-minute budget. */
    private static final long SLOW = 120;
    private static final long FAST = 30;
    private static final Set<String> NODE_FILTERS = Set.of("id", "name", "role", "membership", "node.label", "label");
    private final DockerApi api;

    SwarmRoutes(DockerApi api) {
        this.api = api;
    }

    List<Route> routes() {
        return List.of(
                Route.of("GET", "/_ping", (r, g) -> ping()),
                Route.of("GET", "/version", (r, g) -> version()),
                Route.of("GET", "/info", (r, g) -> HttpResponse.json(200, DockerShapes.systemInfo(info(), DockerApi.API_VERSION))),
                Route.of("GET", "/swarm", (r, g) -> inspectSwarm()),
                Route.of("POST", "/swarm/init", (r, g) -> init(DockerApi.body(r))),
                Route.of("POST", "/swarm/join", (r, g) -> join(DockerApi.body(r))),
                Route.of("POST", "/swarm/leave", (r, g) -> {
                    boolean force = r.flag("force");
                    api.call(SLOW, s -> s.leave(LeaveRequest.newBuilder().setForce(force).build()));
                    return HttpResponse.empty(200);
                }),
                Route.of("POST", "/swarm/update", (r, g) -> update(r)),
                Route.of("GET", "/nodes", (r, g) -> listNodes(r)),
                Route.of("GET", "/nodes/([^/]+)", (r, g) -> HttpResponse.json(200, DockerShapes.node(
                        api.call(FAST, s -> s.inspectNode(InspectNodeRequest.newBuilder().setNode(g.getFirst()).build()))))),
                Route.of("DELETE", "/nodes/([^/]+)", (r, g) -> {
                    boolean force = r.flag("force");
                    api.call(FAST, s -> s.removeNode(RemoveNodeRequest.newBuilder().setNode(g.getFirst()).setForce(force).build()));
                    return HttpResponse.empty(200);
                }));
    }

    private InfoResponse info() {
        return api.call(FAST, s -> s.info(InfoRequest.getDefaultInstance()));
    }

    /** "OK", with moby's Swarm header (inactive, pending, active/manager, active/worker) when the daemon says. */
    private HttpResponse ping() {
        HttpResponse ok = HttpResponse.text(200, "OK").withHeader("Cache-Control", "no-cache, no-store, must-revalidate")
                .withHeader("Pragma", "no-cache");
        InfoResponse i = info();
        String state = i.getLocalNodeState().isEmpty() ? "inactive" : i.getLocalNodeState();
        return ok.withHeader("Swarm", state.equals("active") ? "active/" + (i.getIsManager() ? "manager" : "worker") : state);
    }

    private HttpResponse version() {
        InfoResponse i = info();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Platform", Map.of("Name", "jswarm"));
        m.put("Components", List.of(Map.of("Name", "Engine", "Version", i.getEngineVersion(),
                "Details", Map.of("ApiVersion", DockerApi.API_VERSION, "MinAPIVersion", DockerApi.MIN_API_VERSION,
                        "Os", "linux", "Arch", archGo()))));
        m.put("Version", i.getEngineVersion());
        m.put("ApiVersion", DockerApi.API_VERSION);
        m.put("MinAPIVersion", DockerApi.MIN_API_VERSION);
        m.put("GitCommit", "");
        m.put("GoVersion", "java" + Runtime.version().feature());
        m.put("Os", "linux");
        m.put("Arch", archGo());
        m.put("KernelVersion", System.getProperty("os.version"));
        m.put("BuildTime", "");
        return HttpResponse.json(200, m);
    }

    private static String archGo() {
        String a = System.getProperty("os.arch");
        return a.equals("x86_64") ? "amd64" : a.equals("aarch64") ? "arm64" : a;
    }

    private HttpResponse inspectSwarm() {
        InfoResponse i = info();
        if (!i.getIsManager()) {
            return notManager(i);
        }
        String worker = api.call(FAST, s -> s.joinToken(JoinTokenRequest.newBuilder().setRole(Role.ROLE_WORKER).build())).getToken();
        String manager = api.call(FAST, s -> s.joinToken(JoinTokenRequest.newBuilder().setRole(Role.ROLE_MANAGER).build())).getToken();
        Map<String, Object> m = DockerShapes.cluster(i);
        m.put("JoinTokens", Map.of("Worker", worker, "Manager", manager));
        return HttpResponse.json(200, m);
    }

    /** moby's 503s for a node that cannot answer for the cluster. */
    static HttpResponse notManager(InfoResponse i) {
        boolean inSwarm = !i.getLocalNodeState().isEmpty() && !i.getLocalNodeState().equals("inactive");
        return HttpResponse.error(503, inSwarm
                ? "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. "
                + "Please run this command on a manager node or promote the current node to a manager."
                : "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect "
                + "this node to swarm and try again.");
    }

    private HttpResponse init(Map<String, Object> b) {
        InitRequest.Builder req = InitRequest.newBuilder().setAdvertiseAddr(DockerApi.str(b, "AdvertiseAddr"))
                .setListenAddr(DockerApi.str(b, "ListenAddr")).setDataPathAddr(DockerApi.str(b, "DataPathAddr"))
                .addAllDefaultAddrPool(DockerApi.strings(b, "DefaultAddrPool"))
                .setForceNewCluster(DockerApi.bool(b, "ForceNewCluster"));
        long port = DockerApi.num(b, "DataPathPort");
        long subnet = DockerApi.num(b, "SubnetSize");
        if (port < 0 || port > 65535 || subnet < 0 || subnet > 32) {
            throw new IllegalArgumentException("DataPathPort or SubnetSize out of range");
        }
        req.setDataPathPort((int) port).setDefaultAddrPoolMaskLength((int) subnet);
        long expiryNanos = DockerApi.num(DockerApi.obj(DockerApi.obj(b, "Spec"), "CAConfig"), "NodeCertExpiry");
        if (expiryNanos < 0) {
            throw new IllegalArgumentException("NodeCertExpiry must not be negative");
        }
        req.setCertExpirySeconds(expiryNanos / 1_000_000_000L);
        if (DockerApi.bool(DockerApi.obj(DockerApi.obj(b, "Spec"), "EncryptionConfig"), "AutoLockManagers")) {
            throw new IllegalArgumentException("jswarm does not support autolock");
        }
        String nodeId = api.call(SLOW, s -> s.init(req.build())).getNodeId();
        return HttpResponse.json(200, nodeId);
    }

    private HttpResponse join(Map<String, Object> b) {
        List<String> remotes = DockerApi.strings(b, "RemoteAddrs");
        if (remotes.isEmpty()) {
            throw new IllegalArgumentException("at least 1 RemoteAddr is required to join");
        }
        String token = DockerApi.str(b, "JoinToken");
        LocalJoinRequest req = LocalJoinRequest.newBuilder().setToken(token).setRemoteAddr(remotes.getFirst())
                .setAdvertiseAddr(DockerApi.str(b, "AdvertiseAddr")).setDataPathAddr(DockerApi.str(b, "DataPathAddr"))
                .setListenAddr(DockerApi.str(b, "ListenAddr")).build();
        api.call(SLOW, s -> s.join(req));
        return HttpResponse.empty(200);
    }

    private HttpResponse update(HttpRequest r) {
        DockerApi.body(r); // the spec: parsed (malformed is 400), its settings not applied by jswarm
        if (r.flag("rotateManagerUnlockKey")) {
            return HttpResponse.error(501, "jswarm does not implement autolock (rotateManagerUnlockKey)");
        }
        boolean worker = r.flag("rotateWorkerToken");
        boolean manager = r.flag("rotateManagerToken");
        InfoResponse i = info();
        if (!i.getIsManager()) {
            return notManager(i);
        }
        if (worker) {
            api.call(FAST, s -> s.joinToken(JoinTokenRequest.newBuilder().setRole(Role.ROLE_WORKER).setRotate(true).build()));
        }
        if (manager) {
            api.call(FAST, s -> s.joinToken(JoinTokenRequest.newBuilder().setRole(Role.ROLE_MANAGER).setRotate(true).build()));
        }
        return HttpResponse.empty(200);
    }

    private HttpResponse listNodes(HttpRequest r) {
        Filters f = Filters.parse(r.param("filters", ""), NODE_FILTERS);
        List<Object> out = new ArrayList<>();
        for (NodeInfo n : api.call(FAST, s -> s.listNodes(ListNodesRequest.getDefaultInstance())).getNodesList()) {
            if (f.matches((k, v) -> switch (k) {
                case "id" -> n.getId().startsWith(v);
                case "name" -> n.getHostname().contains(v) || n.getId().startsWith(v);
                case "role" -> DockerShapes.role(n.getRole()).equals(v);
                case "membership" -> v.equals("accepted");
                default -> false; // jswarm nodes carry no labels
            })) {
                out.add(DockerShapes.node(n));
            }
        }
        return HttpResponse.json(200, out);
    }
}
