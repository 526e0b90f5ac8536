package io.jswarm.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.agent.Daemon;
import io.jswarm.agent.DaemonConfig;
import io.jswarm.cli.Main;
import io.jswarm.engine.HttpRequest;
import io.jswarm.thin.FastPath;
import io.jswarm.thin.ThinClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast CLI end to end in one JVM, no root: a real daemon (a one-node swarm on loopback), its CLI socket, and
 * the thin client's own code talking to it. Every command line must print, byte for byte, what the full client
 * prints over the control socket, with the same exit code, errors included; lines the daemon does not run come
 * back as "fall back" without running anything.
 */
class CliEndpointTest {
    @TempDir
    Path dir;
    private Daemon daemon;
    private CliEndpoint cli;
    private String host;

    @BeforeEach
    void start() throws Exception {
        Path sock = dir.resolve("d.sock");
        daemon = new Daemon(new DaemonConfig(sock, dir.resolve("d"), "d", Duration.ofMillis(200),
                Duration.ofMillis(800), Duration.ofMillis(300)).withExecRoot(dir.resolve("d-run")));
        daemon.start();
        cli = new CliEndpoint(sock, daemon.localChannel());
        cli.start();
        host = "unix://" + sock;
    }

    @AfterEach
    void stop() {
        if (cli != null) {
            cli.close();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void theThinClientPrintsWhatTheFullClientPrints() throws Exception {
        Path socket = FastPath.cliSocket(dir.resolve("d.sock"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        // before a swarm: the daemon's error, the same text and exit code on both paths
        same("network", "ls");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String[] init = thin("init", "--listen-addr", "127.0.0.1:" + port, "--advertise-addr", "127.0.0.1");
        assertEquals("0", init[0], init[2]);
        assertTrue(init[1].contains("Swarm initialized"), init[1]);
        assertEquals("0", thin("network", "create", "-d", "overlay", "--attachable", "jsthin-ov")[0]);
        for (List<String> line : List.of(List.of("network", "ls"), List.of("node", "ls"),
                List.of("network", "inspect", "jsthin-ov"), List.of("network", "inspect", "jsthin-none"),
                List.of("network", "ls", "--filter", "name=jsthin"), List.of("join-token", "-q", "worker"),
                List.of("network", "create", "-d", "nosuchdriver", "jsthin-bad"), List.of("info"),
                List.of("network", "ls", "--bogus"), List.of("node", "inspect"), List.of("network", "connect"))) {
            same(line.toArray(String[]::new));
        }
        String[] ls = thin("network", "ls");
        assertTrue(ls[1].contains("jsthin-ov"), ls[1]);
        assertFalse(ls[1].contains("jsthin-bad"), "a refused create made nothing");
    }

    @Test
    void linesTheDaemonDoesNotRunFallBackWithoutRunningAnything() {
        for (List<String> line : List.<List<String>>of(List.of("daemon"), List.of("demo"), List.of("join", "--token", "-", "x:2377"),
                List.of("network", "prune"), List.of("network", "ls", "--help"), List.of("--version"), List.of())) {
            String[] r = thin(line.toArray(String[]::new));
            assertEquals(String.valueOf(FastPath.FALLBACK), r[0], line + ": " + r[2]);
            assertEquals("", r[1] + r[2], line.toString());
        }
        // sent anyway (a client of another version): refused with NOT_SERVED, nothing run
        var refused = cli.handle(new HttpRequest("POST", FastPath.PATH, Map.of(), Map.of(),
                FastPath.encode(List.of("daemon", "--data-root", dir.resolve("x").toString()))));
        assertEquals(FastPath.NOT_SERVED, refused.status());
        assertFalse(Files.exists(dir.resolve("x")));
        // picocli's @FILE would make the daemon (root) read a file of its own and echo its lines in errors
        assertEquals(FastPath.NOT_SERVED, cli.handle(new HttpRequest("POST", FastPath.PATH, Map.of(), Map.of(),
                FastPath.encode(List.of("network", "inspect", "@/etc/shadow")))).status());
        assertEquals(400, cli.handle(new HttpRequest("POST", FastPath.PATH, Map.of(), Map.of(),
                "network\0ls".getBytes(StandardCharsets.UTF_8))).status(), "a body not ended by NUL");
        assertEquals(405, cli.handle(new HttpRequest("GET", FastPath.PATH, Map.of(), Map.of(), new byte[0])).status());
        assertEquals(404, cli.handle(new HttpRequest("POST", "/v1.44/networks", Map.of(), Map.of(), new byte[0])).status());
    }

    @Test
    void theLogNamesTheCommandNeverItsArguments() {
        assertEquals("network ls", FastPath.words(List.of("-H", "unix:///s", "network", "ls", "--filter", "name=x")));
        assertEquals("init", FastPath.words(List.of("init", "--advertise-addr", "192.0.2.1")));
        assertEquals("join-token", FastPath.words(List.of("join-token", "-q", "worker")));
        assertEquals("node rm", FastPath.words(List.of("node", "rm", "secret-node-name")));
    }

    @Test
    void aDaemonWithoutTheCliSocketFallsBack() {
        cli.close();
        cli = null;
        String[] r = thin("network", "ls");
        assertEquals(String.valueOf(FastPath.FALLBACK), r[0], r[2]);
    }

    @Test
    void theThinCniAnswersWhatTheFullPluginAnswers() {
        Path sock = dir.resolve("d.sock");
        String conf = "{\"cniVersion\":\"1.1.0\",\"name\":\"jsthin\",\"type\":\"jswarm-cni\",\"network\":\"jsthin-ov\","
                + "\"socket\":\"" + sock + "\",\"dataDir\":\"" + dir.resolve("cni") + "\"}";
        Map<String, String> add = Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c1", "CNI_NETNS", "/run/netns/jsthin-none",
                "CNI_IFNAME", "eth0", "CNI_PATH", "/opt/cni/bin", "PATH", "/usr/bin", "HOME", "/root");
        // before a swarm (every daemon call refused the same way), a bad command, a missing variable, a bad config
        for (Map<String, String> env : List.of(Map.of("CNI_COMMAND", "VERSION"), add, Map.of("CNI_COMMAND", "STATUS"),
                Map.of("CNI_COMMAND", "BOGUS"), Map.of("CNI_COMMAND", "DEL", "CNI_CONTAINERID", "c1"))) {
            for (String c : List.of(conf, conf.replace("1.1.0", "9.9"), "{\"socket\":\"" + sock + "\", not json")) {
                String[] thin = thinCni(env, c);
                // the full plugin: the same CniPlugin, its own gRPC connection to the daemon (as CniMain makes)
                var full = io.jswarm.cli.cni.CniService.run(io.jswarm.thin.ThinCni.request(env, c), dir.resolve("another.sock"), null);
                assertEquals(String.valueOf(full.exit()), thin[0], env + " " + c + ": " + thin[1] + thin[2]);
                assertEquals(full.stdout().isEmpty() ? "" : full.stdout() + "\n", thin[1], env + " " + c);
                assertEquals("", thin[2], "nothing on stderr");
            }
        }
        assertTrue(thinCni(Map.of("CNI_COMMAND", "VERSION"), conf)[1].contains("\"supportedVersions\""));
        assertFalse(Files.exists(dir.resolve("cni")), "no record made by refused calls");
        // only CNI_ variables reach the daemon; anything else sent anyway is refused
        assertEquals(List.of("CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "CNI_IFNAME=eth0", "CNI_NETNS=/run/netns/jsthin-none",
                "CNI_PATH=/opt/cni/bin", conf), io.jswarm.thin.ThinCni.request(add, conf));
        assertEquals(400, cli.handle(new HttpRequest("POST", FastPath.CNI_PATH, Map.of(), Map.of(),
                FastPath.encode(List.of("PATH=/tmp", conf)))).status());
        assertEquals(400, cli.handle(new HttpRequest("POST", FastPath.CNI_PATH, Map.of(), Map.of(), new byte[0])).status());
        // no daemon at the configuration's socket, or one without the CLI socket: the full plugin runs
        assertEquals(String.valueOf(FastPath.FALLBACK), thinCni(add, conf.replace(sock.toString(), dir.resolve("none.sock").toString()))[0]);
        cli.close();
        cli = null;
        assertEquals(String.valueOf(FastPath.FALLBACK), thinCni(add, conf)[0]);
    }

    private static String[] thinCni(Map<String, String> env, String conf) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = io.jswarm.thin.ThinCni.run(env, conf.getBytes(StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {String.valueOf(rc), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    /** The thin path's output and exit code equal the full client's over the control socket. */
    private void same(String... args) {
        String[] thin = thin(args);
        String[] full = full(args);
        assertEquals(List.of(full), List.of(thin), String.join(" ", args));
        System.out.println("same on both paths: " + String.join(" ", args) + " -> exit " + thin[0]);
    }

    private String[] thin(String... args) {
        List<String> line = new java.util.ArrayList<>(List.of("-H", host));
        line.addAll(List.of(args));
        if (args.length == 0 || args[0].startsWith("-") || args[0].equals("daemon") || args[0].equals("demo")) {
            line = List.of(args); // as typed: an option or a process command first
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = ThinClient.run(line, host, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {String.valueOf(rc), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    private String[] full(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> line = new java.util.ArrayList<>(List.of("-H", host));
        line.addAll(List.of(args));
        int rc;
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            rc = Main.run(DaemonClient::new, o, e, line.toArray(String[]::new));
        }
        return new String[] {String.valueOf(rc), out.toString(), err.toString()};
    }
}
