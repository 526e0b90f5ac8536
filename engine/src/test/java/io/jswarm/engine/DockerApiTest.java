package io.jswarm.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.jswarm.proto.cluster.ControlGrpc;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.InitRequest;
import io.jswarm.proto.cluster.JoinTokenRequest;
import io.jswarm.proto.cluster.LocalJoinRequest;
import io.jswarm.proto.cluster.NetworkConnectRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Docker routes against a fake Control service on an in-process gRPC server: shapes checked against
 * moby's swagger for every answer, moby's status codes and messages, refused input changing nothing.
 */
class DockerApiTest {
    private final FakeControl control = new FakeControl();
    private Server server;
    private ManagedChannel channel;
    private DockerApi api;

    @BeforeEach
    void start() throws Exception {
        String name = "engine-test-" + System.nanoTime();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(control).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        api = new DockerApi(ControlGrpc.newBlockingStub(channel));
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private HttpResponse call(String method, String target, String body) throws Exception {
        var head = new HttpCodec.Head(method, target, Map.of("content-type", "application/json"), true);
        return api.handle(HttpCodec.request(head, body.getBytes(StandardCharsets.UTF_8)));
    }

    /** Calls, then checks the answer against moby's schema of {@code key} ("METHOD /swagger/path"). */
    private HttpResponse checked(String key, String method, String target, String body, int status) throws Exception {
        HttpResponse r = call(method, target, body);
        assertEquals(status, r.status(), r.bodyText());
        if (r.body().length > 0 && (status >= 400 || SwaggerSchema.has(key + " " + status))) {
            assertEquals(List.of(), SwaggerSchema.check(key, r.bodyText(), status), key + ": " + r.bodyText());
        }
        return r;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> obj(HttpResponse r) {
        return (Map<String, Object>) Json.parse(r.bodyText());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(HttpResponse r) {
        return (List<Map<String, Object>>) Json.parse(r.bodyText());
    }

    @Test
    void pingVersionAndInfoInMobyShapes() throws Exception {
        HttpResponse ping = call("GET", "/_ping", "");
        assertEquals("OK", ping.bodyText());
        assertEquals("active/manager", ping.headers().get("Swarm"));
        assertEquals(200, call("HEAD", "/v1.44/_ping", "").status());
        Map<String, Object> v = obj(checked("GET /version", "GET", "/v1.47/version", "", 200));
        assertEquals(DockerApi.API_VERSION, v.get("ApiVersion"));
        Map<String, Object> info = obj(checked("GET /info", "GET", "/v1.41/info", "", 200));
        Map<String, Object> swarm = (Map<String, Object>) info.get("Swarm");
        assertEquals("n1aaaaaaaaaaaaaaaaaaaaaaa", swarm.get("NodeID"));
        assertEquals("active", swarm.get("LocalNodeState"));
        assertEquals(true, swarm.get("ControlAvailable"));
        assertEquals(3L, swarm.get("Nodes"));
        assertEquals("cl1", ((Map<String, Object>) swarm.get("Cluster")).get("ID"));
    }

    @Test
    void swarmInspectInitJoinLeaveAndTokenRotation() throws Exception {
        Map<String, Object> sw = obj(checked("GET /swarm", "GET", "/v1.47/swarm", "", 200));
        assertEquals("cl1", sw.get("ID"));
        String before = (String) ((Map<String, Object>) sw.get("JoinTokens")).get("Worker");
        assertEquals(control.workerToken, before);
        checked("POST /swarm/update", "POST", "/v1.47/swarm/update?version=1&rotateWorkerToken=true", "{}", 200);
        String after = (String) ((Map<String, Object>) obj(call("GET", "/swarm", "")).get("JoinTokens")).get("Worker");
        assertTrue(!after.equals(before) && after.equals(control.workerToken), after);
        assertTrue(control.calls.stream().anyMatch(c -> c instanceof JoinTokenRequest j && j.getRotate()));

        HttpResponse again = checked("POST /swarm/init", "POST", "/v1.47/swarm/init", "{\"AdvertiseAddr\":\"192.0.2.11\"}", 503);
        assertEquals("This node is already part of a swarm. Use \"docker swarm leave\" to leave this swarm and join "
                + "another one.", obj(again).get("message"));
        checked("POST /swarm/leave", "POST", "/v1.47/swarm/leave?force=1", "", 200);
        assertEquals("inactive", call("GET", "/_ping", "").headers().get("Swarm"));
        HttpResponse noSwarm = checked("GET /swarm", "GET", "/swarm", "", 503);
        assertTrue(((String) obj(noSwarm).get("message")).contains("docker swarm init"), noSwarm.bodyText());

        HttpResponse init = call("POST", "/v1.47/swarm/init", "{\"ListenAddr\":\"0.0.0.0:2377\",\"AdvertiseAddr\":"
                + "\"192.0.2.11\",\"Spec\":{\"CAConfig\":{\"NodeCertExpiry\":7776000000000000}}}");
        assertEquals(200, init.status(), init.bodyText());
        assertEquals("n1aaaaaaaaaaaaaaaaaaaaaaa", Json.parse(init.bodyText()));
        InitRequest sent = (InitRequest) control.calls.stream().filter(c -> c instanceof InitRequest).reduce((a, b) -> b).orElseThrow();
        assertEquals("192.0.2.11", sent.getAdvertiseAddr());
        assertEquals(7_776_000L, sent.getCertExpirySeconds());

        control.state = "inactive";
        control.manager = false;
        HttpResponse badToken = call("POST", "/swarm/join", "{\"RemoteAddrs\":[\"192.0.2.11:2377\"],\"JoinToken\":\"x\"}");
        assertEquals(400, badToken.status());
        assertEquals("A valid join token is necessary to join this cluster", obj(badToken).get("message"));
        assertEquals(200, call("POST", "/swarm/join", "{\"RemoteAddrs\":[\"192.0.2.11:2377\"],\"JoinToken\":\""
                + control.workerToken + "\",\"ListenAddr\":\"0.0.0.0:2377\"}").status());
        assertEquals("active/worker", call("GET", "/_ping", "").headers().get("Swarm"));
        HttpResponse worker = checked("GET /nodes", "GET", "/nodes", "", 503);
        assertTrue(((String) obj(worker).get("message")).startsWith("This node is not a swarm manager. Worker nodes"));
        assertEquals(400, call("POST", "/swarm/join", "{\"JoinToken\":\"x\"}").status(), "no RemoteAddrs");
    }

    @Test
    void nodesListFiltersInspectAndRemove() throws Exception {
        List<Map<String, Object>> all = list(checked("GET /nodes", "GET", "/v1.47/nodes", "", 200));
        assertEquals(3, all.size());
        Map<String, Object> first = all.getFirst();
        assertEquals(Map.of("Leader", true, "Reachability", "reachable", "Addr", "192.0.2.11:2377"), first.get("ManagerStatus"));
        assertEquals("h1", ((Map<String, Object>) first.get("Description")).get("Hostname"));
        assertEquals("ready", ((Map<String, Object>) first.get("Status")).get("State"));
        String role = java.net.URLEncoder.encode("{\"role\":{\"worker\":true}}", StandardCharsets.UTF_8);
        assertEquals(List.of("h2", "h3"), list(call("GET", "/nodes?filters=" + role, "")).stream()
                .map(n -> ((Map<String, Object>) n.get("Description")).get("Hostname")).toList());
        String name = java.net.URLEncoder.encode("{\"name\":[\"h3\"],\"membership\":{\"accepted\":true}}", StandardCharsets.UTF_8);
        assertEquals(1, list(call("GET", "/nodes?filters=" + name, "")).size());
        String id = java.net.URLEncoder.encode("{\"id\":{\"n2b\":true}}", StandardCharsets.UTF_8);
        assertEquals(1, list(call("GET", "/nodes?filters=" + id, "")).size());
        HttpResponse badFilter = checked("GET /nodes", "GET", "/nodes?filters=%7B%22nope%22%3A%7B%7D%7D", "", 400);
        assertEquals("invalid filter 'nope'", obj(badFilter).get("message"));
        assertEquals(400, call("GET", "/nodes?filters=%7Bbroken", "").status());

        checked("GET /nodes/{id}", "GET", "/v1.47/nodes/n2b", "", 200);
        HttpResponse missing = checked("GET /nodes/{id}", "GET", "/v1.47/nodes/zzz", "", 404);
        assertEquals("node zzz not found", obj(missing).get("message"));
        HttpResponse up = checked("DELETE /nodes/{id}", "DELETE", "/v1.47/nodes/n2b?force=false", "", 400);
        assertTrue(((String) obj(up).get("message")).contains("is not down"), up.bodyText());
        assertEquals(400, call("DELETE", "/nodes/n2b?force=maybe", "").status(), "a bad boolean");
    }

    @Test
    void networksCreateListInspectConnectRemovePrune() throws Exception {
        HttpResponse created = checked("POST /networks/create", "POST", "/v1.47/networks/create",
                "{\"Name\":\"web\",\"Driver\":\"overlay\",\"Attachable\":true,\"IPAM\":{\"Driver\":\"default\","
                        + "\"Config\":[{\"Subnet\":\"10.0.1.0/24\"}]},\"Options\":{},\"Labels\":{\"team\":\"a\"}}", 201);
        String id = (String) obj(created).get("Id");
        assertEquals("", obj(created).get("Warning"));
        CreateNetworkRequest sent = (CreateNetworkRequest) control.calls.stream()
                .filter(c -> c instanceof CreateNetworkRequest).findFirst().orElseThrow();
        assertTrue(sent.getSpec().getAttachable());
        assertEquals("10.0.1.0/24", sent.getSpec().getSubnet());
        HttpResponse dup = checked("POST /networks/create", "POST", "/networks/create", "{\"Name\":\"web\",\"Driver\":\"overlay\"}", 409);
        assertEquals("network with name web already exists", obj(dup).get("message"));
        HttpResponse plugin = checked("POST /networks/create", "POST", "/networks/create", "{\"Name\":\"x\",\"Driver\":\"bridge\"}", 404);
        assertEquals("plugin \"bridge\" not found", obj(plugin).get("message"));

        List<Map<String, Object>> ls = list(checked("GET /networks", "GET", "/v1.47/networks", "", 200));
        assertEquals(1, ls.size());
        assertEquals("swarm", ls.getFirst().get("Scope"));
        String byLabel = java.net.URLEncoder.encode("{\"label\":{\"team=a\":true},\"driver\":{\"overlay\":true}}", StandardCharsets.UTF_8);
        assertEquals(1, list(call("GET", "/networks?filters=" + byLabel, "")).size());
        String none = java.net.URLEncoder.encode("{\"name\":{\"other\":true}}", StandardCharsets.UTF_8);
        assertEquals(0, list(call("GET", "/networks?filters=" + none, "")).size());

        Map<String, Object> inspect = obj(checked("GET /networks/{id}", "GET", "/v1.47/networks/web?verbose=false", "", 200));
        assertEquals(id, inspect.get("Id"));
        assertEquals("10.0.1.2/24", ((Map<String, Map<String, Object>>) inspect.get("Containers")).get("ep1").get("IPv4Address"));
        checked("GET /networks/{id}", "GET", "/networks/nope", "", 404);

        assertEquals(200, call("POST", "/v1.47/networks/web/connect", "{\"Container\":\"sb1\",\"EndpointConfig\":"
                + "{\"IPAMConfig\":{\"IPv4Address\":\"10.0.1.9\"},\"Aliases\":[\"a1\"]}}").status());
        NetworkConnectRequest conn = (NetworkConnectRequest) control.calls.stream()
                .filter(c -> c instanceof NetworkConnectRequest).findFirst().orElseThrow();
        assertEquals("sb1", conn.getSandbox());
        assertEquals("10.0.1.9", conn.getIp());
        assertEquals(List.of("a1"), conn.getAliasesList());
        assertEquals(200, call("POST", "/v1.47/networks/web/disconnect", "{\"Container\":\"sb1\"}").status());
        assertEquals(400, call("POST", "/v1.47/networks/web/connect", "{}").status());

        HttpResponse rm = call("DELETE", "/v1.47/networks/" + id, "");
        assertEquals(204, rm.status());
        checked("DELETE /networks/{id}", "DELETE", "/networks/" + id, "", 404);
        call("POST", "/networks/create", "{\"Name\":\"a\"}");
        Map<String, Object> pruned = obj(checked("POST /networks/prune", "POST", "/v1.47/networks/prune", "", 200));
        assertEquals(List.of("a"), pruned.get("NetworksDeleted"));
    }

    @Test
    void badInputIsRefusedAndReachesNothing() throws Exception {
        int before = control.calls.size();
        for (String bad : List.of("{\"Name\":", "[1]", "{\"Name\":5}", "{\"Name\":\"x\",\"Attachable\":\"yes\"}",
                "{\"Name\":\"x\",\"IPAM\":{\"Config\":[{},{}]}}", "{\"Name\":\"x\",\"Options\":{\"foo\":\"1\"}}",
                "{\"Name\":\"x\",\"IPAM\":{\"Driver\":\"other\"}}", "{}", "{\"Name\":\"x\",\"Labels\":{\"a\":null}}",
                "{\"Name\":\"x\",\"IPAM\":{\"Config\":[null]}}")) {
            HttpResponse r = checked("POST /networks/create", "POST", "/v1.47/networks/create", bad, 400);
            assertTrue(obj(r).get("message") instanceof String s && !s.isEmpty(), bad);
        }
        HttpResponse malformed = call("POST", "/networks/create", "{\"Name\":");
        assertTrue(((String) obj(malformed).get("message")).startsWith("invalid JSON: unexpected end of JSON input"),
                malformed.bodyText());
        assertEquals(501, call("POST", "/networks/create", "{\"Name\":\"x\",\"Ingress\":true}").status());
        assertEquals(400, call("POST", "/swarm/join", "{\"RemoteAddrs\":[null],\"JoinToken\":\"x\"}").status());
        assertEquals(400, call("POST", "/swarm/init", "{\"DefaultAddrPool\":[1]}").status());
        assertEquals(before, control.calls.size(), "no refused body reached the daemon");
        assertEquals(0, control.networks.size());

        HttpResponse unknown = call("GET", "/v1.47/containers/json", "");
        assertEquals(501, unknown.status());
        assertEquals("jswarm does not implement GET /v1.47/containers/json", obj(unknown).get("message"));
        assertEquals(501, call("PUT", "/networks", "").status());
        HttpResponse version = call("GET", "/vX.1/info", "");
        assertEquals(400, version.status());
        assertEquals("invalid API version format: \"X.1\"", obj(version).get("message"));
        assertEquals("client version 1.99 is too new. Maximum supported API version is " + DockerApi.API_VERSION,
                obj(call("GET", "/v1.99/info", "")).get("message"));
        assertEquals(400, call("GET", "/v1.12/info", "").status());
        assertEquals(LocalJoinRequest.class, LocalJoinRequest.getDefaultInstance().getClass()); // (imports used)
    }

    @Test
    void servedOverARealUnixSocket(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        try (UnixHttpServer http = new UnixHttpServer(dir.resolve("docker.sock"), api, DockerApi.commonHeaders("0.1.0"))) {
            http.start();
            try (RawClient c = new RawClient(http.socket())) {
                RawClient.Reply ping = c.send("HEAD /_ping HTTP/1.1\r\nHost: api.moby.localhost\r\n\r\n").readHead();
                assertEquals(DockerApi.API_VERSION, ping.headers().get("api-version"));
                assertEquals("active/manager", ping.headers().get("swarm"));
                RawClient.Reply ls = c.send(RawClient.get("/v1.47/nodes")).read();
                assertEquals(200, ls.status());
                assertEquals(List.of(), SwaggerSchema.check("GET /nodes", ls.body(), 200));
            }
        }
    }
}
