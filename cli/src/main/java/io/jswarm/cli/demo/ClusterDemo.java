package io.jswarm.cli.demo;

import io.jswarm.cli.cluster.DaemonClient;
import io.jswarm.cli.cluster.DaemonHost;
import io.jswarm.testkit.Daemons;
import io.jswarm.testkit.Exec;
import io.jswarm.testkit.HostLab;
import io.jswarm.proto.cluster.ControlGrpc;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.InfoRequest;
import io.jswarm.proto.cluster.InitRequest;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.LocalJoinRequest;
import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.cluster.NetworkDetachRequest;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NodeStatus;
import io.jswarm.proto.state.CreateNetwork;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The cluster part of {@code jswarm demo}: three hosts of a {@link HostLab}, a real daemon in each (its own
 * JVM, entered into the host's network namespace), {@code init} and two {@code join}s, an attachable overlay,
 * one sandbox per host, pings across hosts by name, and a teardown that leaves nothing (also after a failure:
 * {@link #close}). Every step prints the equivalent command and how long it took.
 */
final class ClusterDemo implements AutoCloseable {
    private static final int HOSTS = 3;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private final HostLab lab;
    private final PrintStream out;
    private final Path dir;
    private final List<Process> daemons = new ArrayList<>();
    private final List<String> sandboxes = new ArrayList<>();

    ClusterDemo(HostLab lab, PrintStream out) throws IOException {
        this.lab = lab;
        this.out = out;
        this.dir = Files.createTempDirectory(lab.prefix() + "-");
    }

    void run() throws Exception {
        long t = System.nanoTime();
        for (int h = 1; h <= HOSTS; h++) {
            daemons.add(startDaemon(h));
        }
        for (int h = 1; h <= HOSTS; h++) {
            int host = h;
            await("daemon h" + h, () -> answers(host));
        }
        done(t, "3 daemons started (jswarm daemon, one JVM per host, inside h1..h3's network namespaces)");

        t = System.nanoTime();
        var init = call(1, s -> s.init(InitRequest.newBuilder().setAdvertiseAddr(addr(1)).build()));
        done(t, "h1: jswarm init --advertise-addr " + addr(1) + " -> manager " + init.getNodeId());
        for (int h = 2; h <= HOSTS; h++) {
            int host = h;
            t = System.nanoTime();
            var j = call(h, s -> s.join(LocalJoinRequest.newBuilder().setToken(init.getWorkerToken())
                    .setRemoteAddr(init.getManagerAddr()).setAdvertiseAddr(addr(host)).build()));
            done(t, "h" + h + ": jswarm join --token SWMTKN-1-... " + init.getManagerAddr() + " -> worker " + j.getNodeId());
        }
        t = System.nanoTime();
        await("3 nodes Ready", () -> call(1, s -> s.listNodes(ListNodesRequest.getDefaultInstance())).getNodesList()
                .stream().filter(n -> n.getStatus() == NodeStatus.NODE_STATUS_READY).count() == HOSTS);
        done(t, "h1: jswarm node ls -> 3 nodes Ready");

        t = System.nanoTime();
        var net = call(1, s -> s.networkCreate(CreateNetworkRequest.newBuilder().setDriver("overlay")
                .setSpec(CreateNetwork.newBuilder().setName("demo-net").setAttachable(true)).build())).getNetwork();
        done(t, "h1: jswarm network create -d overlay --attachable demo-net -> subnet " + net.getSubnet() + ", VNI "
                + net.getVni());
        String[] name = new String[HOSTS + 1];
        for (int h = 1; h <= HOSTS; h++) {
            int host = h;
            name[h] = lab.sandboxName(lab.host(h), "c");
            sandboxes.add(name[h]);
            t = System.nanoTime();
            var a = call(h, s -> s.networkAttach(NetworkAttachRequest.newBuilder().setNetwork("demo-net")
                    .setName(name[host]).build()));
            done(t, "h" + h + ": jswarm network attach demo-net --name " + name[h] + " -> " + a.getIpv4() + " ("
                    + a.getIfName() + ", " + a.getMac() + ")");
        }
        for (int from = 1; from <= HOSTS; from++) {
            for (int to = 1; to <= HOSTS; to++) {
                if (from != to) {
                    ping(name[from], name[to]);
                }
            }
        }
        t = System.nanoTime();
        var in = call(2, s -> s.networkInspect(NetworkInspectRequest.newBuilder().setNetwork("demo-net").build()));
        done(t, "h2: jswarm network inspect demo-net -> " + in.getEndpointsCount() + " endpoints, peers "
                + in.getPeersList().stream().map(p -> p.getName() + "@" + p.getIp()).toList());
        for (int h = 1; h <= HOSTS; h++) {
            int host = h;
            t = System.nanoTime();
            call(h, s -> s.networkDetach(NetworkDetachRequest.newBuilder().setSandbox(name[host]).build()));
            done(t, "h" + h + ": jswarm network detach " + name[h] + " (sandbox and h" + h + "'s network namespace removed)");
        }
    }

    /** Pings by name from one sandbox to another (the embedded DNS at 127.0.0.11 answers); retries briefly. */
    private void ping(String from, String to) throws Exception {
        long t = System.nanoTime();
        Exec.Result r = null;
        for (int attempt = 0; attempt < 20 && (r == null || !r.ok()); attempt++) {
            r = Exec.run(10, List.of("ip", "netns", "exec", from, "ping", "-c", "1", "-W", "1", to));
        }
        String line = r.output().lines().filter(l -> l.contains("bytes from") || l.contains("packet loss"))
                .findFirst().orElse(r.output().strip()).strip();
        done(t, "ip netns exec " + from + " ping " + to + ": " + line);
        if (!r.ok()) {
            throw new IllegalStateException("ping " + to + " from " + from + " got no reply: " + r.output().strip());
        }
    }

    private Process startDaemon(int h) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + lab.host(h).nsFile()));
        cmd.addAll(Daemons.java("io.jswarm.cli.Main", "-H", "unix://" + socket(h), "daemon", "--data-root",
                dir.resolve("h" + h).toString(), "--hostname", "h" + h, "--exec-root", dir.resolve("h" + h + "-run").toString(),
                // Three daemons share this host's filesystem: each gets its own Docker API socket in the
                // demo's directory, never the host's /run/jswarm/docker.sock.
                "--api-socket", dir.resolve("h" + h + "-docker.sock").toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("h" + h + ".log").toFile())).start();
    }

    private Path socket(int h) {
        return dir.resolve("h" + h + ".sock");
    }

    private String addr(int h) {
        return lab.host(h).underlay().getHostAddress();
    }

    private boolean answers(int h) {
        try {
            call(h, s -> s.info(InfoRequest.getDefaultInstance()));
            return true;
        } catch (DaemonClient.Failure e) {
            return false;
        }
    }

    private <T> T call(int h, Function<ControlGrpc.ControlBlockingStub, T> rpc) {
        try (DaemonClient c = new DaemonClient(new DaemonHost(socket(h)))) {
            return c.call(Duration.ofSeconds(20), rpc);
        }
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (DaemonClient.Failure e) {
                // not yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("timed out waiting for " + what + "; daemon logs in " + dir + ":\n" + logTail());
    }

    private String logTail() {
        StringBuilder b = new StringBuilder();
        for (int h = 1; h <= HOSTS; h++) {
            try {
                String log = Files.readString(dir.resolve("h" + h + ".log"));
                b.append("--- h").append(h).append('\n').append(log.substring(Math.max(0, log.length() - 1500)));
            } catch (IOException e) {
                // none
            }
        }
        return b.toString();
    }

    private void done(long t0, String what) {
        out.printf("[%5d ms] %s%n", (System.nanoTime() - t0) / 1_000_000, what);
        out.flush();
    }

    /** Stops the daemons (by the PIDs this demo started), unmounts their network namespaces, removes files. */
    @Override
    public void close() {
        for (Process p : daemons) {
            p.destroyForcibly();
        }
        for (Process p : daemons) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Daemons.unmountNetworks(dir);
        for (String sb : sandboxes) {
            if (Files.exists(Path.of("/run/netns", sb))) {
                Exec.run(10, List.of("ip", "netns", "del", sb));
            }
        }
        Daemons.removeResolvConfs(lab.prefix() + "-");
        Daemons.deleteTree(dir);
    }
}
