package io.jswarm.cli.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin's parsing, result and error shapes and its records, over a fake daemon (no kernel). */
class CniPluginTest {
    @TempDir
    Path dir;
    Path netns;
    FakeDaemon daemon;
    Set<String> interfacesInNetns;

    /** A daemon with one network "web" (10.0.9.0/24, gateway 10.0.9.1), endpoints by netns path. */
    static final class FakeDaemon implements CniDaemon {
        final Map<String, Endpoint> endpoints = new LinkedHashMap<>();
        final List<String> calls = new ArrayList<>();
        Optional<String> unavailable = Optional.empty();
        int next = 2;

        @Override
        public Optional<Network> network(String ref) {
            return ref.equals("web") || ref.equals("net-web-id") ? Optional.of(new Network("net-web-id", "web", "10.0.9.0/24", "10.0.9.1"))
                    : Optional.empty();
        }

        @Override
        public Endpoint connect(String network, String netns, String dnsName, String ifName, List<String> aliases) {
            calls.add("connect " + network + " " + netns + " " + dnsName + " " + ifName + " " + aliases);
            Endpoint e = new Endpoint("ep" + next, netns, ifName, "10.0.9." + next + "/24", "02:42:0a:00:09:0" + next);
            next++;
            endpoints.put(netns, e);
            return e;
        }

        @Override
        public boolean disconnect(String network, String netns) {
            calls.add("disconnect " + network + " " + netns);
            return endpoints.remove(netns) != null;
        }

        @Override
        public Optional<Endpoint> endpoint(String network, String netns) {
            return Optional.ofNullable(endpoints.get(netns));
        }

        @Override
        public Optional<String> unavailable() {
            return unavailable;
        }

        @Override
        public void close() {
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        netns = Files.createFile(dir.resolve("ns1"));
        daemon = new FakeDaemon();
        interfacesInNetns = new java.util.HashSet<>();
    }

    private String config(String version) {
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"web\",\"type\":\"jswarm-cni\",\"socket\":\"/nonexistent.sock\","
                + "\"dataDir\":\"" + dir.resolve("data") + "\"}";
    }

    private CniPlugin.Outcome call(Map<String, String> env, String stdin) {
        return new CniPlugin(env, s -> daemon, (ns, ifn) -> interfacesInNetns.contains(ns + ":" + ifn))
                .run(stdin.getBytes(StandardCharsets.UTF_8));
    }

    private Map<String, String> env(String command, String id) {
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", id);
        env.put("CNI_NETNS", netns.toString());
        env.put("CNI_IFNAME", "eth0");
        env.put("CNI_PATH", "/opt/cni/bin");
        return env;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String s) throws Exception {
        return (Map<String, Object>) io.jswarm.engine.Json.parse(s);
    }

    @Test
    void addReturnsTheSpecShapedResultAndRecordsTheAttachment() throws Exception {
        var env = env("ADD", "0123456789abcdef0123");
        env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=web1;K8S_POD_NAME=web1");
        var o = call(env, config("1.0.0"));
        assertEquals(0, o.exit(), o.stdout());
        var r = json(o.stdout());
        assertEquals("1.0.0", r.get("cniVersion"));
        assertEquals(List.of(Map.of("name", "eth0", "mac", "02:42:0a:00:09:02", "sandbox", netns.toString())), r.get("interfaces"));
        assertEquals(List.of(Map.of("address", "10.0.9.2/24", "gateway", "10.0.9.1", "interface", 0L)), r.get("ips"));
        assertEquals(List.of(Map.of("dst", "0.0.0.0/0", "gw", "10.0.9.1")), r.get("routes"));
        assertEquals(Map.of("nameservers", List.of("127.0.0.11")), r.get("dns"));
        assertEquals(List.of("connect net-web-id " + netns + " web1 eth0 []"), daemon.calls);
        assertEquals("net-web-id\n" + netns + "\n", Files.readString(dir.resolve("data/web/0123456789abcdef0123-eth0")));
    }

    @Test
    void legacyVersionsCarryTheIpVersionAndTheNameDefaultsToTheIdsFirst12() throws Exception {
        var o = call(env("ADD", "0123456789abcdef0123"), config("0.3.1"));
        assertEquals(0, o.exit(), o.stdout());
        var ip = (Map<?, ?>) ((List<?>) json(o.stdout()).get("ips")).getFirst();
        assertEquals("4", ip.get("version"));
        assertTrue(daemon.calls.getFirst().contains(" 0123456789ab eth0"), daemon.calls.toString());
    }

    @Test
    void podmanAliasesComeFromRuntimeConfig() {
        String cfg = config("1.0.0").replace("}", ",\"runtimeConfig\":{\"aliases\":{\"web\":[\"db\",\"db\",\"cache\"]}}}");
        assertEquals(0, call(env("ADD", "c1"), cfg).exit());
        assertTrue(daemon.calls.getFirst().endsWith("[db, cache]"), daemon.calls.toString());
    }

    @Test
    void delUndoesAddIsIdempotentAndWorksWithoutTheNetnsPath() throws Exception {
        assertEquals(0, call(env("ADD", "c1"), config("1.1.0")).exit());
        var del = env("DEL", "c1");
        del.remove("CNI_NETNS"); // the runtime may no longer know it: the record does
        var o = call(del, config("1.1.0"));
        assertEquals(new CniPlugin.Outcome("", 0), o);
        assertTrue(daemon.endpoints.isEmpty());
        assertFalse(Files.exists(dir.resolve("data/web/c1-eth0")));
        assertEquals(0, call(del, config("1.1.0")).exit(), "a second DEL, nothing recorded: success");
        assertEquals(0, call(env("DEL", "never-added"), config("1.1.0")).exit(), "unknown container: success");
    }

    @Test
    void checkNeedsTheEndpointAndTheInterface() throws Exception {
        assertEquals(0, call(env("ADD", "c1"), config("1.1.0")).exit());
        var missingIf = call(env("CHECK", "c1"), config("1.1.0"));
        assertEquals(1, missingIf.exit());
        assertEquals(101L, json(missingIf.stdout()).get("code"));
        interfacesInNetns.add(netns + ":eth0");
        assertEquals(new CniPlugin.Outcome("", 0), call(env("CHECK", "c1"), config("1.1.0")));
        daemon.endpoints.clear();
        var gone = call(env("CHECK", "c1"), config("1.1.0"));
        assertEquals(3L, json(gone.stdout()).get("code"), gone.stdout());
    }

    @Test
    void statusIsCode50WhenTheDaemonCannotServe() throws Exception {
        assertEquals(new CniPlugin.Outcome("", 0), call(env("STATUS", "x"), config("1.1.0")));
        daemon.unavailable = Optional.of("this node is not in a swarm (state inactive)");
        var o = call(Map.of("CNI_COMMAND", "STATUS"), config("1.1.0"));
        assertEquals(1, o.exit());
        var e = json(o.stdout());
        assertEquals(50L, e.get("code"));
        assertTrue(((String) e.get("msg")).startsWith("plugin not available"), o.stdout());
    }

    @Test
    void gcRemovesOnlyAttachmentsNotListedValid() throws Exception {
        Path ns2 = Files.createFile(dir.resolve("ns2"));
        assertEquals(0, call(env("ADD", "keep"), config("1.1.0")).exit());
        var env2 = env("ADD", "stale");
        env2.put("CNI_NETNS", ns2.toString());
        assertEquals(0, call(env2, config("1.1.0")).exit());
        String gc = config("1.1.0").replace("}", ",\"cni.dev/valid-attachments\":[{\"containerID\":\"keep\",\"ifname\":\"eth0\"}]}");
        assertEquals(new CniPlugin.Outcome("", 0), call(Map.of("CNI_COMMAND", "GC", "CNI_PATH", "/x"), gc));
        assertEquals(Set.of(netns.toString()), daemon.endpoints.keySet());
        assertTrue(Files.exists(dir.resolve("data/web/keep-eth0")));
        assertFalse(Files.exists(dir.resolve("data/web/stale-eth0")));
    }

    @Test
    void versionListsEverySupportedVersion() throws Exception {
        var o = call(Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"1.0.0\"}");
        assertEquals(0, o.exit());
        assertEquals(Map.of("cniVersion", "1.0.0", "supportedVersions", List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0")),
                json(o.stdout()));
    }

    @Test
    void badInputIsASpecShapedErrorAndMakesNothing() throws Exception {
        record Case(Map<String, String> env, String stdin, long code) {
        }
        var noNetns = env("ADD", "c1");
        noNetns.remove("CNI_NETNS");
        var goneNetns = env("ADD", "c1");
        goneNetns.put("CNI_NETNS", dir.resolve("no-such-ns").toString());
        var noCommand = env("ADD", "c1");
        noCommand.remove("CNI_COMMAND");
        var badIf = env("ADD", "c1");
        badIf.put("CNI_IFNAME", "../../etc");
        var badId = env("ADD", "../c1");
        for (Case c : List.of(
                new Case(noNetns, config("1.0.0"), 4),
                new Case(goneNetns, config("1.0.0"), 4),
                new Case(noCommand, config("1.0.0"), 4),
                new Case(badIf, config("1.0.0"), 4),
                new Case(badId, config("1.0.0"), 4),
                new Case(env("ADD", "c1"), "{\"cniVersion\":", 6),
                new Case(env("ADD", "c1"), "[1,2]", 6),
                new Case(env("ADD", "c1"), config("9.9.9"), 1),
                new Case(env("ADD", "c1"), config("1.0.0").replace("\"web\"", "\"nope\""), 7),
                new Case(env("ADD", "c1"), config("1.0.0").replace("jswarm-cni", "bridge"), 7),
                new Case(env("ADD", "c1"), config("1.0.0").replace("}", ",\"ipam\":{\"type\":\"host-local\"}}"), 2),
                new Case(env("BOGUS", "c1"), config("1.0.0"), 4))) {
            var o = call(c.env(), c.stdin());
            assertEquals(1, o.exit(), o.stdout());
            var e = json(o.stdout());
            assertEquals(c.code(), e.get("code"), c + " -> " + o.stdout());
            assertTrue(e.get("msg") instanceof String m && !m.isEmpty(), o.stdout());
            assertTrue(e.get("cniVersion") instanceof String, o.stdout());
        }
        assertTrue(daemon.calls.isEmpty(), "nothing reached the daemon: " + daemon.calls);
        assertFalse(Files.exists(dir.resolve("data/web")), "nothing recorded");
    }

    @Test
    void jsonParserHandlesEscapesAndRejectsGarbage() throws Exception {
        assertEquals(Map.of("a", List.of("x\"y\n\u00e9", 1L, 2.5, true, false), "b", Map.of()),
                new HashMap<>((Map<?, ?>) io.jswarm.engine.Json.parse(" {\"a\":[\"x\\\"y\\n\\u00e9\",1,2.5,true,false],\"b\":{}} ")));
        for (String bad : List.of("", "{", "{\"a\"}", "{\"a\":1,}", "nul", "\"abc", "{} x", "[".repeat(100) + "]".repeat(100))) {
            try {
                io.jswarm.engine.Json.parse(bad);
                throw new AssertionError("accepted " + bad);
            } catch (io.jswarm.engine.Json.Malformed expected) {
                // refused
            }
        }
    }
}
