package io.jswarm.e2e.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.testkit.Exec;
import io.jswarm.vxlan.testing.RequiresRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The stock {@code docker} CLI (28.x at /usr/local/bin/docker) drives a 3-host lab of real daemons through
 * their Docker Engine API sockets: swarm init, join-token, join, node ls, an attachable overlay seen from
 * every host, rm; and bad input (unknown route, malformed JSON, oversize body, unknown API version) that
 * changes nothing while the daemons keep serving.
 */
@RequiresRoot
class DockerApiE2ETest {
    private static final String DOCKER = "/usr/local/bin/docker";
    /**
     * Debian's docker 20.10 client (API 1.41): {@code apt-get install docker.io}, or its {@code usr/bin/docker}
     * extracted from the .deb and named by {@code -Djswarm.docker20=PATH}; the legacy steps run when it exists.
     */
    private static final Path DOCKER20 = Path.of(System.getProperty("jswarm.docker20", "/usr/bin/docker"));

    @Test
    void stockDockerCliDrivesAThreeHostSwarm() throws Exception {
        try (ClusterLab lab = ClusterLab.create("jsdk")) {
            Path config = Files.createDirectories(lab.dir().resolve("docker-config")); // never the user's ~/.docker
            List<String> names = List.of("jsdk-h1", "jsdk-h2", "jsdk-h3");
            for (int i = 0; i < 3; i++) {
                lab.startDaemon(i + 1, names.get(i));
            }
            for (String n : names) {
                ClusterE2ETest.awaitDaemon(lab, n);
            }
            Docker h1 = new Docker(DOCKER, lab.apiSocket("jsdk-h1"), config);
            Docker h2 = new Docker(DOCKER, lab.apiSocket("jsdk-h2"), config);
            Docker h3 = new Docker(DOCKER, lab.apiSocket("jsdk-h3"), config);

            Exec.Result version = h1.run("version", "--format", "{{.Server.APIVersion}}");
            assertEquals("1.47", version.orThrow().strip(), version.output());

            Exec.Result init = h1.run("swarm", "init", "--advertise-addr", ClusterLab.addr(1));
            assertTrue(init.ok() && init.output().contains("Swarm initialized: current node (")
                    && init.output().contains("docker swarm join --token SWMTKN-1-")
                    && init.output().contains(ClusterLab.addr(1) + ":2377"), init.output());
            String token = h1.token("worker");
            for (Docker worker : List.of(h2, h3)) {
                Exec.Result join = worker.run("swarm", "join", "--token", token, ClusterLab.addr(1) + ":2377");
                assertEquals("This node joined a swarm as a worker.", join.orThrow().strip(), join.output());
            }
            ClusterE2ETest.await("3 Ready nodes in docker node ls", () -> {
                Exec.Result ls = h1.run("node", "ls");
                return ls.ok() && ls.output().lines().count() == 4
                        && ls.output().lines().skip(1).allMatch(l -> l.contains(" Ready ") && l.contains(" Active "));
            }, lab, "jsdk-h1");
            String ls = h1.run("node", "ls").orThrow();
            assertTrue(ls.contains(" * ") && ls.contains("Leader") && ls.contains("jsdk-h2") && ls.contains("jsdk-h3"), ls);
            assertEquals(2, h1.run("node", "ls", "--filter", "role=worker", "-q").orThrow().strip().lines().count());
            Exec.Result onWorker = h2.run("node", "ls");
            assertTrue(!onWorker.ok() && onWorker.output().contains("This node is not a swarm manager"), onWorker.output());

            // Token rotation through POST /swarm/update.
            String rotated = h1.run("swarm", "join-token", "--rotate", "-q", "worker").orThrow().strip();
            assertNotEquals(token, rotated);
            assertEquals(rotated, h1.token("worker"));

            // An attachable overlay, created on the manager, seen from every host.
            String net = lab.prefix() + "-net";
            String id = h1.run("network", "create", "-d", "overlay", "--attachable", net).orThrow().strip();
            assertEquals(25, id.length(), id);
            for (Docker d : List.of(h1, h2, h3)) {
                String nls = d.run("network", "ls", "--filter", "name=" + net).orThrow();
                assertTrue(nls.contains(id.substring(0, 12)) && nls.contains(net) && nls.contains("overlay")
                        && nls.contains("swarm"), nls);
                ClusterE2ETest.await("network inspect " + net, () -> {
                    Exec.Result in = d.run("network", "inspect", net, "--format",
                            "{{.Id}} {{.Driver}} {{.Scope}} {{.Attachable}}");
                    return in.ok() && in.output().strip().equals(id + " overlay swarm true");
                }, lab, "jsdk-h1");
            }
            if (Files.isExecutable(DOCKER20)) {
                legacyClient(new Docker(DOCKER20.toString(), lab.apiSocket("jsdk-h1"), config),
                        new Docker(DOCKER20.toString(), lab.apiSocket("jsdk-h3"), config), net, id, lab);
            }
            Exec.Result dup = h1.run("network", "create", "-d", "overlay", net);
            assertTrue(!dup.ok() && dup.output().contains("Error response from daemon"), dup.output());

            // Bad input: clear errors, nothing changed, the daemon keeps serving.
            Path api = lab.apiSocket("jsdk-h1");
            assertEquals("501", curl(api, "-X", "GET", "http://docker/v1.47/containers/json"));
            assertEquals("400", curl(api, "-X", "POST", "-H", "Content-Type: application/json", "--data",
                    "{\"Name\":", "http://docker/v1.47/networks/create"));
            assertEquals("400", curl(api, "http://docker/vbogus/info"));
            Path big = lab.dir().resolve("big.json");
            Files.writeString(big, "{\"Name\":\"" + "x".repeat(2 << 20) + "\"}");
            assertEquals("413", curl(api, "-X", "POST", "-H", "Content-Type: application/json", "--data-binary",
                    "@" + big, "http://docker/v1.47/networks/create"));
            String after = h1.run("network", "ls", "--format", "{{.Name}}").orThrow();
            assertEquals(List.of(net), after.strip().lines().toList(), "bad input created nothing");

            // connect/disconnect: the "container" is a jswarm sandbox, here an existing named namespace on h2.
            String sb = lab.sandbox("c2");
            Exec.run(10, List.of("ip", "netns", "add", sb)).orThrow();
            h2.run("network", "connect", "--alias", "web2", net, sb).orThrow();
            String attached = h2.run("network", "inspect", net, "--format",
                    "{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}").orThrow().strip();
            assertTrue(attached.startsWith(sb + " 10."), attached);
            Exec.Result again = h2.run("network", "connect", net, sb);
            assertTrue(!again.ok() && again.output().contains("already connected"), again.output());
            h2.run("network", "disconnect", net, sb).orThrow();
            assertEquals("", h2.run("network", "inspect", net, "--format",
                    "{{range .Containers}}{{.Name}}{{end}}").orThrow().strip());
            Exec.Result noSuch = h2.run("network", "connect", net, lab.sandbox("missing"));
            assertTrue(!noSuch.ok() && noSuch.output().contains("No such sandbox"), noSuch.output());

            ClusterE2ETest.await("network rm " + net, () -> h1.run("network", "rm", net).ok(), lab, "jsdk-h1");
            assertEquals("", h1.run("network", "ls", "-q").orThrow().strip());
            Exec.Result gone = h1.run("network", "inspect", net);
            assertTrue(!gone.ok() && gone.output().contains("not found"), gone.output());
            assertEquals("3", h1.run("info", "--format", "{{.Swarm.Nodes}}").orThrow().strip());
        }
    }

    /** The same verbs with the 20.10 client, which negotiates API 1.41 (it lists networks on the manager). */
    private static void legacyClient(Docker manager, Docker worker, String net, String id, ClusterLab lab) throws Exception {
        assertEquals("1.41", manager.run("version", "--format", "{{.Client.APIVersion}}").orThrow().strip());
        String nodes = manager.run("node", "ls").orThrow();
        assertEquals(4, nodes.lines().count(), nodes);
        assertTrue(manager.run("network", "ls").orThrow().contains(net));
        assertEquals(id + " true", worker.run("network", "inspect", net, "--format", "{{.Id}} {{.Attachable}}")
                .orThrow().strip());
        String other = lab.prefix() + "-old";
        manager.run("network", "create", "-d", "overlay", "--attachable", other).orThrow();
        assertEquals(other, manager.run("network", "rm", other).orThrow().strip());
        Exec.Result onWorker = worker.run("node", "ls");
        assertTrue(!onWorker.ok() && onWorker.output().contains("This node is not a swarm manager"), onWorker.output());
    }

    /** The HTTP status of one curl request on {@code socket}. */
    private static String curl(Path socket, String... args) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                "--unix-socket", socket.toString()));
        cmd.addAll(List.of(args));
        return Exec.run(60, cmd).output().strip();
    }

    /** The docker CLI against one host's engine socket, with a private config directory. */
    private record Docker(String binary, Path socket, Path config) {
        Exec.Result run(String... args) {
            List<String> cmd = new ArrayList<>(List.of("env", "DOCKER_CONFIG=" + config, binary, "-H", "unix://" + socket));
            cmd.addAll(List.of(args));
            return Exec.run(150, cmd);
        }

        String token(String role) {
            String out = run("swarm", "join-token", "-q", role).orThrow();
            return out.lines().filter(l -> l.startsWith("SWMTKN-1-")).findFirst().orElseThrow(() ->
                    new AssertionError("no token in: " + out));
        }
    }
}
