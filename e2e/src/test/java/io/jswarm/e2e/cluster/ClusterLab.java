package io.jswarm.e2e.cluster;

import io.jswarm.testkit.DaemonLab;
import io.jswarm.testkit.OwnedProcesses;
import io.jswarm.vxlan.testing.TestNamespaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Three hosts for the cluster tests: network namespaces {@code jscl-<pid>-h1..h3}, each with an {@code eth0}
 * (192.0.2.11-13/24) on a bridge in a fourth namespace {@code jscl-<pid>-ul} (the underlay). Daemons run in
 * them as separate JVMs; their sockets and data roots live in a private temp directory. {@link #close}
 * stops every daemon this lab started (by PID) and removes every namespace and file, also after a failure;
 * {@link #create} first removes what a crashed earlier run left behind.
 */
final class ClusterLab implements AutoCloseable {
    static final int HOSTS = 3;
    private final TestNamespaces namespaces;
    private final Path dir;
    private final String underlay;
    private final List<String> hosts = new ArrayList<>();
    private final OwnedProcesses processes = new OwnedProcesses();

    private ClusterLab(TestNamespaces namespaces, Path dir) {
        this.namespaces = namespaces;
        this.dir = dir;
        this.underlay = namespaces.name("ul");
    }

    static ClusterLab create() throws IOException {
        return create("jscl");
    }

    static ClusterLab create(String family) throws IOException {
        TestNamespaces ns = TestNamespaces.forRun(family);
        removeResolvConfs(family + "-");
        ClusterLab lab = new ClusterLab(ns, Files.createTempDirectory(family + "-"));
        try {
            lab.build();
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    private void build() {
        TestNamespaces.run("ip", "netns", "add", underlay);
        TestNamespaces.run("ip", "-n", underlay, "link", "add", "br0", "type", "bridge");
        TestNamespaces.run("ip", "-n", underlay, "link", "set", "br0", "up");
        for (int i = 1; i <= HOSTS; i++) {
            String h = namespaces.create("h" + i);
            hosts.add(h);
            // The veth is born in the underlay namespace with its peer directly in the host: nothing ever
            // appears in the machine's own namespace.
            TestNamespaces.run("ip", "-n", underlay, "link", "add", "v" + i, "type", "veth", "peer", "name", "eth0", "netns", h);
            TestNamespaces.run("ip", "-n", underlay, "link", "set", "v" + i, "master", "br0");
            TestNamespaces.run("ip", "-n", underlay, "link", "set", "v" + i, "up");
            TestNamespaces.run("ip", "-n", h, "addr", "add", addr(i) + "/24", "dev", "eth0");
            TestNamespaces.run("ip", "-n", h, "link", "set", "eth0", "up");
            TestNamespaces.run("ip", "-n", h, "link", "set", "lo", "up");
        }
    }

    /**
     * Cuts host {@code host} off the underlay ({@code false}) or heals it ({@code true}) by setting its veth's
     * bridge-side end down or up inside the underlay namespace: the host's own interfaces stay as they are, and
     * nothing outside the lab is touched.
     */
    void underlayLink(int host, boolean up) {
        TestNamespaces.run("ip", "-n", underlay, "link", "set", "v" + host, up ? "up" : "down");
    }

    static String addr(int host) {
        return "192.0.2." + (10 + host);
    }

    String netns(int host) {
        return hosts.get(host - 1);
    }

    Path socket(String name) {
        return dir.resolve(name + ".sock");
    }

    /** Daemon {@code name}'s Docker Engine API socket (per daemon: parallel tests never share one). */
    Path apiSocket(String name) {
        return dir.resolve(name + "-docker.sock");
    }

    Path dataRoot(String name) {
        return dir.resolve(name);
    }

    /** The daemon's run directory: its network namespaces are bound under {@code netns/}. */
    Path execRoot(String name) {
        return dir.resolve(name + "-run");
    }

    /** The namespace file of network {@code networkId} on daemon {@code name}. */
    Path networkNamespace(String name, String networkId) {
        return execRoot(name).resolve("netns").resolve(networkId.substring(0, 12));
    }

    String prefix() {
        return namespaces.prefix();
    }

    /** A sandbox name under this run's prefix, removed by {@link #close} even if a daemon made it. */
    String sandbox(String suffix) {
        return namespaces.name(suffix);
    }

    Path dir() {
        return dir;
    }

    /**
     * Starts {@code jswarm daemon} as its own JVM inside host {@code host}'s network namespace; returns the
     * process. {@code nsenter --net}, not {@code ip netns exec}: the latter gives the daemon a private mount
     * namespace, and the namespaces it binds (sandboxes in /run/netns, networks under its exec root) would
     * vanish with the process instead of outliving it as they do on a real host.
     */
    Process startDaemon(int host, String name, String... extra) throws IOException {
        return startDaemon(List.of(), java.util.Map.of(), host, name, extra);
    }

    /** As {@link #startDaemon(int, String, String...)}, with {@code env} in the daemon's environment. */
    Process startDaemon(int host, String name, java.util.Map<String, String> env, String... extra) throws IOException {
        return startDaemon(List.of(), env, host, name, extra);
    }

    /**
     * {@link #startDaemon(int, String, String...)} with wall-clock times (HH:mm:ss.SSS) on every log line, for
     * tests that line the daemons' logs up with their own measurements.
     */
    Process startDaemonWithClock(int host, String name, String... extra) throws IOException {
        return startDaemon(List.of("env", "JAVA_TOOL_OPTIONS=-Dorg.slf4j.simpleLogger.showDateTime=true"
                + " -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS" + System.getProperty("jsheal.logs", "")),
                java.util.Map.of(), host, name, extra);
    }

    private Process startDaemon(List<String> wrapper, java.util.Map<String, String> env, int host, String name,
                                String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + netns(host)));
        cmd.addAll(wrapper); // env execs the JVM: the process (and its PID) stays the daemon
        cmd.addAll(jswarm("-H", "unix://" + socket(name), "daemon",
                "--data-root", dataRoot(name).toString(), "--hostname", name, "--exec-root", execRoot(name).toString(),
                "--api-socket", apiSocket(name).toString()));
        cmd.addAll(List.of(extra));
        return processes.start(cmd, dir.resolve(name + ".log"), env);
    }

    /** The jswarm command line (jar when fresh, else this classpath): shared with the benchmark's lab. */
    static List<String> jswarm(String... args) {
        return DaemonLab.jswarm(args);
    }

    static List<String> java(String mainClass, String... args) {
        return DaemonLab.java(mainClass, args);
    }

    /** Runs a probe JVM inside host {@code host}'s namespace; returns its stdout+stderr. */
    String probe(int host, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netns(host)));
        cmd.addAll(java(Probe.class.getName(), args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("probe timed out");
        }
        return out.strip();
    }

    static void removeResolvConfs(String prefix) {
        DaemonLab.removeResolvConfs(prefix);
    }

    String log(String name) throws IOException {
        Path f = dir.resolve(name + ".log");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    /** {@code JSWARM_E2E_LOGS=DIR}: the daemons' logs are copied there before the lab goes (debugging a CI run). */
    private void keepLogs() {
        String keep = System.getenv("JSWARM_E2E_LOGS");
        if (keep == null || keep.isBlank()) {
            return;
        }
        try (Stream<Path> logs = Files.list(dir)) {
            Path to = Files.createDirectories(Path.of(keep.strip()).resolve(namespaces.prefix() + "-" + System.nanoTime()));
            for (Path f : logs.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        } catch (IOException e) {
            System.err.println("lab logs not kept: " + e);
        }
    }

    @Override
    public void close() {
        processes.close();
        DaemonLab.unmountNetworks(dir); // network namespaces the daemons bound under their exec roots
        namespaces.close();
        removeResolvConfs(namespaces.prefix());
        keepLogs();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp directory
        }
    }
}
