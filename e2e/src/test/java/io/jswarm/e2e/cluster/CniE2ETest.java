package io.jswarm.e2e.cluster;

import static io.jswarm.e2e.cluster.ClusterE2ETest.await;
import static io.jswarm.e2e.cluster.ClusterE2ETest.awaitDaemon;
import static io.jswarm.e2e.cluster.ClusterE2ETest.cli;
import static io.jswarm.e2e.cluster.ClusterE2ETest.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.cli.cluster.DaemonClient;
import io.jswarm.cli.cluster.DaemonHost;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NetworkInspectResponse;
import io.jswarm.vxlan.testing.RequiresRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The CNI plugin end to end (issue 13): real daemons on two lab hosts (init, join, an attachable overlay), the
 * real launcher {@code bin/jswarm-cni} run the way a CNI runtime runs it (environment + configuration on stdin,
 * through a symlink in a CNI_PATH directory), then podman (CNI backend) running busybox containers on the
 * jswarm network on both hosts. Everything carries the lab's prefix and goes at the end, also on failure.
 */
@RequiresRoot
class CniE2ETest {
    private static final String FAMILY = "jscni";
    /** How long each call of the plugin took, exec to exit (the runtime's view). */
    private static final List<Long> CALL_MS = new java.util.concurrent.CopyOnWriteArrayList<>();

    record Cni(int rc, String out, String err) {
        String all() {
            return "rc=" + rc + " out=" + out + " err=" + err;
        }
    }

    @Test
    void cniPluginPutsNamespacesAndPodmanContainersOnAJswarmNetwork() throws Exception {
        try (ClusterLab lab = ClusterLab.create(FAMILY)) {
            String[] d = {lab.prefix() + "h1", lab.prefix() + "h2"};
            for (int h = 1; h <= 2; h++) {
                lab.startDaemon(h, d[h - 1]);
            }
            for (String x : d) {
                awaitDaemon(lab, x);
            }
            Path cniBin = Files.createDirectories(lab.dir().resolve("cni-bin"));
            Path plugin = Files.createSymbolicLink(cniBin.resolve("jswarm-cni"), repoRoot().resolve("bin/jswarm-cni"));

            // STATUS before the swarm: the daemon answers but its node is in no swarm: code 50.
            var early = cni(lab, plugin, 1, Map.of("CNI_COMMAND", "STATUS"), config(lab, d[0], "cninet", "1.1.0"));
            assertNotEquals(0, early.rc(), early.all());
            assertEquals(50L, field(early.out(), "code"), early.all());

            assertEquals(0, cli(lab, d[0], "init", "--advertise-addr", ClusterLab.addr(1)).rc());
            String token = cli(lab, d[0], "join-token", "-q", "worker").out().strip();
            var j = join(lab, d[1], token, ClusterLab.addr(1) + ":2377");
            assertEquals(0, j.rc(), j.all());
            String net = lab.prefix() + "ov";
            var created = cli(lab, d[0], "network", "create", "-d", "overlay", "--attachable", "--subnet", "10.231.0.0/24", net);
            assertEquals(0, created.rc(), created.all());

            // --- (a) cnitool-style calls
            var version = cni(lab, plugin, 1, Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"1.1.0\"}");
            assertEquals(0, version.rc(), version.all());
            assertTrue(version.out().contains("\"supportedVersions\":[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]"), version.all());
            await("STATUS ok on both hosts", () -> cni(lab, plugin, 1, Map.of("CNI_COMMAND", "STATUS"), config(lab, d[0], "cninet", "1.1.0")).rc() == 0
                    && cni(lab, plugin, 2, Map.of("CNI_COMMAND", "STATUS"), config(lab, d[1], "cninet", "1.1.0")).rc() == 0, lab, d[1]);

            String[] ns = {lab.sandbox("n1"), lab.sandbox("n2")};
            String[] cid = {lab.prefix() + "cid1-0123456789abcdef", lab.prefix() + "cid2-0123456789abcdef"};
            String[] dns = {lab.prefix() + "web1", lab.prefix() + "web2"};
            String[] ip = new String[2];
            for (int h = 1; h <= 2; h++) {
                TestNs.add(ns[h - 1]);
                var add = cni(lab, plugin, h, env("ADD", cid[h - 1], "/run/netns/" + ns[h - 1], "K8S_POD_NAME=" + dns[h - 1]),
                        config(lab, d[h - 1], "cninet", "1.1.0").replace("\"name\":\"cninet\"", "\"name\":\"cninet\",\"network\":\"" + net + "\""));
                assertEquals(0, add.rc(), add.all());
                assertTrue(add.out().contains("\"interfaces\":[{\"name\":\"eth0\",\"mac\":\""), add.all());
                assertTrue(add.out().contains("\"sandbox\":\"/run/netns/" + ns[h - 1] + "\""), add.all());
                assertTrue(add.out().contains("\"dns\":{\"nameservers\":[\"127.0.0.11\"]}"), add.all());
                Matcher m = Pattern.compile("\"address\":\"(10\\.231\\.0\\.\\d+)/24\",\"gateway\":\"10\\.231\\.0\\.1\",\"interface\":0").matcher(add.out());
                assertTrue(m.find(), add.all());
                ip[h - 1] = m.group(1);
                String link = Shell.in(ns[h - 1], "ip", "-o", "addr", "show", "dev", "eth0").out();
                assertTrue(link.contains(ip[h - 1] + "/24"), link);
                // What a runtime does with the result's dns: the sandbox's resolv.conf names 127.0.0.11.
                Path rc = Files.createDirectories(Path.of("/etc/netns", ns[h - 1])).resolve("resolv.conf");
                Files.writeString(rc, "nameserver 127.0.0.11\n");
            }
            String cfgNet = "\"name\":\"cninet\",\"network\":\"" + net + "\"";
            await("n1 pings n2 by IP", () -> Shell.ping(ns[0], ip[1]), lab, d[0]);
            await("n2 pings n1 by IP", () -> Shell.ping(ns[1], ip[0]), lab, d[1]);
            await("n1 pings n2 by name", () -> Shell.ping(ns[0], dns[1]), lab, d[0]);
            await("n2 pings n1 by name", () -> Shell.ping(ns[1], dns[0]), lab, d[1]);
            for (int h = 1; h <= 2; h++) {
                var check = cni(lab, plugin, h, env("CHECK", cid[h - 1], "/run/netns/" + ns[h - 1], ""),
                        config(lab, d[h - 1], "cninet", "1.1.0").replace("\"name\":\"cninet\"", cfgNet));
                assertEquals(0, check.rc(), check.all());
                assertEquals("", check.out().strip(), check.all());
            }
            // DEL on h2: the endpoint goes, CHECK then fails, the namespace has no jswarm interface; DEL again is fine.
            String cfg2 = config(lab, d[1], "cninet", "1.1.0").replace("\"name\":\"cninet\"", cfgNet);
            var del = cni(lab, plugin, 2, env("DEL", cid[1], "/run/netns/" + ns[1], ""), cfg2);
            assertEquals(0, del.rc(), del.all());
            assertEquals(0, inspect(lab, d[1], net).getContainersCount());
            assertFalse(Shell.in(ns[1], "ip", "-o", "link").out().contains("eth0"), "no jswarm interface left in n2");
            var checkGone = cni(lab, plugin, 2, env("CHECK", cid[1], "/run/netns/" + ns[1], ""), cfg2);
            assertNotEquals(0, checkGone.rc(), checkGone.all());
            assertEquals(3L, field(checkGone.out(), "code"), checkGone.all());
            assertEquals(0, cni(lab, plugin, 2, env("DEL", cid[1], "/run/netns/" + ns[1], ""), cfg2).rc(), "DEL is idempotent");
            await("n2's name withdrawn on h1", () -> Shell.in(ns[0], "getent", "hosts", dns[1]).rc() != 0, lab, d[0]);

            // GC on h1 with no valid attachment removes n1's endpoint.
            String gc = config(lab, d[0], "cninet", "1.1.0").replace("\"name\":\"cninet\"", cfgNet)
                    .replace("}", ",\"cni.dev/valid-attachments\":[]}");
            var gcOut = cni(lab, plugin, 1, Map.of("CNI_COMMAND", "GC", "CNI_PATH", cniBin.toString()), gc);
            assertEquals(0, gcOut.rc(), gcOut.all());
            assertEquals(0, inspect(lab, d[0], net).getContainersCount(), "GC removed the stale attachment");

            // Bad input: spec-shaped errors, nothing made, the daemon keeps serving.
            String ok = config(lab, d[0], "cninet", "1.1.0").replace("\"name\":\"cninet\"", cfgNet);
            Map<String, String> noNetns = env("ADD", cid[0], "", "");
            noNetns.remove("CNI_NETNS");
            record Bad(String what, Map<String, String> env, String stdin, long code) {
            }
            for (Bad b : List.of(
                    new Bad("missing CNI_NETNS", noNetns, ok, 4),
                    new Bad("bad JSON", env("ADD", cid[0], "/run/netns/" + ns[0], ""), "{\"cniVersion\":\"1.1.0\",", 6),
                    new Bad("unknown network", env("ADD", cid[0], "/run/netns/" + ns[0], ""), ok.replace(net, lab.prefix() + "nope"), 7),
                    new Bad("unsupported cniVersion", env("ADD", cid[0], "/run/netns/" + ns[0], ""), ok.replace("1.1.0", "2.0.0"), 1))) {
                var r = cni(lab, plugin, 1, b.env(), b.stdin());
                assertNotEquals(0, r.rc(), b.what() + ": " + r.all());
                assertEquals(b.code(), field(r.out(), "code"), b.what() + ": " + r.all());
                assertTrue(r.out().contains("\"msg\":\""), b.what() + ": " + r.all());
            }
            assertEquals(0, inspect(lab, d[0], net).getContainersCount(), "bad calls made no endpoint");
            assertFalse(Shell.in(ns[0], "ip", "-o", "link").out().contains("eth0"), "bad calls left n1 bare");
            assertEquals(0, cni(lab, plugin, 1, Map.of("CNI_COMMAND", "STATUS"), ok).rc(), "the daemon keeps serving");

            // The fast path served these calls (the thin jswarm-cni hands them to the daemon, which runs the plugin),
            // the full plugin's JVM did not start: the daemon logs every call it served, by command. (VERSION above named
            // no socket: its default, /run/jswarm/jswarm.sock, is not this lab's daemon, so the full plugin answered it.)
            String log = lab.log(d[0]);
            for (String c : List.of("STATUS", "ADD", "CHECK", "GC")) {
                assertTrue(log.contains("cni call served command=\"" + c + "\""), c + " not served by the daemon");
            }
            List<Long> ms = CALL_MS.stream().sorted().toList();
            System.out.printf("cni: %d plugin calls, exec to exit: p50 %d ms, p90 %d ms, max %d ms%n", ms.size(),
                    ms.get(ms.size() / 2), ms.get(ms.size() * 9 / 10), ms.getLast());

            // --- (b) podman (CNI backend) on both hosts
            try (Podman p1 = Podman.create(lab, 1, cniBin, config(lab, d[0], "cninet", "1.0.0").replace("\"name\":\"cninet\"", cfgNet));
                 Podman p2 = Podman.create(lab, 2, cniBin, config(lab, d[1], "cninet", "1.0.0").replace("\"name\":\"cninet\"", cfgNet))) {
                String c1 = lab.prefix() + "pod1";
                String c2 = lab.prefix() + "pod2";
                var r1 = p1.run("run", "-d", "--name", c1, "--network", "cninet", "--ulimit", "nofile=1024:1024",
                        "--ulimit", "nproc=1024:1024", Podman.IMAGE, "sleep", "600");
                assertEquals(0, r1.rc(), r1.out());
                var r2 = p2.run("run", "-d", "--name", c2, "--network", "cninet", "--ulimit", "nofile=1024:1024",
                        "--ulimit", "nproc=1024:1024", Podman.IMAGE, "sleep", "600");
                assertEquals(0, r2.rc(), r2.out());
                assertEquals(1, inspect(lab, d[0], net).getContainersCount());
                assertEquals(1, inspect(lab, d[1], net).getContainersCount());
                String resolv = p1.run("exec", c1, "cat", "/etc/resolv.conf").out();
                assertTrue(resolv.contains("127.0.0.11"), resolv);
                await("podman c1 pings c2 by name", () -> p1.run("exec", c1, "ping", "-c", "1", "-W", "1", c2).rc() == 0, lab, d[0]);
                await("podman c2 pings c1 by name", () -> p2.run("exec", c2, "ping", "-c", "1", "-W", "1", c1).rc() == 0, lab, d[1]);
                assertEquals(0, p1.run("rm", "-f", c1).rc());
                assertEquals(0, p2.run("rm", "-f", c2).rc());
                assertEquals(0, inspect(lab, d[0], net).getContainersCount(), "podman rm ran DEL on h1");
                assertEquals(0, inspect(lab, d[1], net).getContainersCount(), "podman rm ran DEL on h2");
            }
        }
    }

    // ---- helpers ----

    static Path repoRoot() {
        Path root = Path.of("").toAbsolutePath();
        return Files.isDirectory(root.resolve("cli")) ? root : root.getParent();
    }

    /** A network configuration for daemon {@code daemon}: its socket, a data directory in the lab. */
    static String config(ClusterLab lab, String daemon, String name, String version) {
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"" + name + "\",\"type\":\"jswarm-cni\",\"socket\":\""
                + lab.socket(daemon) + "\",\"dataDir\":\"" + lab.dir().resolve("cni-" + daemon) + "\"}";
    }

    static Map<String, String> env(String command, String id, String netns, String args) {
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", id);
        env.put("CNI_NETNS", netns);
        env.put("CNI_IFNAME", "eth0");
        env.put("CNI_ARGS", args);
        env.put("CNI_PATH", "/nonexistent");
        return env;
    }

    /** Runs the plugin as a runtime does, inside host {@code host}'s network namespace. */
    static Cni cni(ClusterLab lab, Path plugin, int host, Map<String, String> env, String stdin) {
        try {
            ProcessBuilder pb = new ProcessBuilder("nsenter", "--net=/run/netns/" + lab.netns(host), plugin.toString());
            pb.environment().keySet().removeIf(k -> k.startsWith("CNI_"));
            pb.environment().putAll(env);
            Path err = Files.createTempFile(lab.dir(), "cni-err", ".txt");
            pb.redirectError(err.toFile());
            long t = System.nanoTime();
            Process p = pb.start();
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(150, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Cni(-1, out, "timed out");
            }
            CALL_MS.add((System.nanoTime() - t) / 1_000_000);
            String e = Files.readString(err);
            Files.delete(err);
            return new Cni(p.exitValue(), out, e);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Object field(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":(\\d+|\"[^\"]*\")").matcher(json);
        if (!m.find()) {
            return null;
        }
        String v = m.group(1);
        return v.startsWith("\"") ? v.substring(1, v.length() - 1) : (Object) Long.parseLong(v);
    }

    static NetworkInspectResponse inspect(ClusterLab lab, String daemon, String net) {
        try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(daemon)))) {
            return c.call(Duration.ofSeconds(10), s -> s.networkInspect(NetworkInspectRequest.newBuilder().setNetwork(net).build()));
        }
    }

    /** Test-made sandboxes: {@code ip netns add} under the lab's prefix (the lab removes them). */
    static final class TestNs {
        static void add(String name) {
            var r = Shell.run(List.of("ip", "netns", "add", name));
            assertEquals(0, r.rc(), r.out());
        }
    }

    /**
     * Podman as lab host {@code host} runs it: inside the host's network namespace, with private storage, run
     * and tmp roots, a private containers.conf (CNI backend, the lab's plugin directory, cgroupfs, file events)
     * and CNI configuration directory; runc (crun refuses this machine's hybrid cgroups). {@link #close} removes
     * every container and every file it made.
     */
    record Podman(ClusterLab lab, int host, Path dir) implements AutoCloseable {
        static final String IMAGE = "localhost/jscni-busybox";

        static Podman create(ClusterLab lab, int host, Path cniBin, String pluginConfig) throws IOException {
            Path dir = Files.createDirectories(lab.dir().resolve("podman-h" + host));
            Path conf = Files.createDirectories(dir.resolve("cni-conf"));
            // podman 4.3 reads conflists; its libcni speaks up to 1.0.0.
            Files.writeString(conf.resolve("cninet.conflist"), "{\"cniVersion\":\"1.0.0\",\"name\":\"cninet\",\"plugins\":["
                    + pluginConfig.replaceFirst("\"cniVersion\":\"1.0.0\",\"name\":\"cninet\",", "")
                            .replace("}", ",\"capabilities\":{\"aliases\":true}}") + "]}");
            Files.writeString(dir.resolve("containers.conf"), """
                    [network]
                    network_backend = "cni"
                    cni_plugin_dirs = ["%s"]
                    network_config_dir = "%s"
                    [engine]
                    cgroup_manager = "cgroupfs"
                    events_logger = "file"
                    events_logfile_path = "%s"
                    """.formatted(cniBin, conf, dir.resolve("events.log")));
            Podman p = new Podman(lab, host, dir);
            try {
                Path rootfs = Files.createDirectories(dir.resolve("rootfs/bin"));
                Files.copy(Path.of("/bin/busybox"), rootfs.resolve("busybox"));
                for (String c : List.of("sh", "ping", "sleep", "cat", "ip", "nslookup")) {
                    Files.createSymbolicLink(rootfs.resolve(c), Path.of("busybox"));
                }
                Path tar = dir.resolve("rootfs.tar");
                var t = Shell.run(List.of("tar", "-C", dir.resolve("rootfs").toString(), "-cf", tar.toString(), "."));
                assertEquals(0, t.rc(), t.out());
                var imp = p.run("import", tar.toString(), IMAGE);
                assertEquals(0, imp.rc(), imp.out());
            } catch (RuntimeException | Error e) {
                p.close();
                throw e;
            }
            return p;
        }

        Shell.Out run(String... args) {
            List<String> cmd = new ArrayList<>(List.of("env", "CONTAINERS_CONF=" + dir.resolve("containers.conf"),
                    "nsenter", "--net=/run/netns/" + lab.netns(host), "podman", "--root", dir.resolve("root").toString(),
                    "--runroot", dir.resolve("runroot").toString(), "--tmpdir", dir.resolve("tmp").toString(),
                    "--storage-driver", "vfs", "--cni-config-dir", dir.resolve("cni-conf").toString(),
                    "--runtime", "/usr/sbin/runc", "--network-backend", "cni"));
            cmd.addAll(List.of(args));
            return Shell.run(cmd);
        }

        @Override
        public void close() {
            run("rm", "-a", "-f", "-t", "0");
            // Anything podman left mounted under its roots goes before the lab deletes the files.
            var mounts = Shell.run(List.of("findmnt", "-rn", "-o", "TARGET"));
            mounts.out().lines().filter(m -> m.startsWith(dir.toString())).sorted(java.util.Comparator.reverseOrder())
                    .forEach(m -> Shell.run(List.of("umount", "-l", m)));
        }
    }
}
