package io.jswarm.cli.demo;

import io.jswarm.cli.Kernels;
import io.jswarm.cli.Main.UserError;
import io.jswarm.testkit.Exec;
import io.jswarm.testkit.HostLab;
import io.jswarm.testkit.LabOverlay;
import io.jswarm.vxlan.Privileges;
import io.jswarm.vxlan.Dataplane;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.ReconcileReport;
import io.jswarm.vxlan.kernel.Kernel;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jswarm demo}: three simulated hosts with a real daemon each form a swarm, create an attachable overlay,
 * attach a sandbox per host and ping across hosts by name ({@link ClusterDemo}); {@code --dataplane} instead
 * shows the data plane alone on two hosts (a ping across VXLAN, a repair by reconcile after tampering). Both
 * tear everything down, also on Ctrl-C or failure.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Builds three hosts (network namespaces) on a private underlay, starts a jswarm daemon in "
                + "each, forms a swarm (init, join), creates an attachable overlay network, attaches a sandbox on "
                + "every host, pings across hosts by name, and removes it all.",
                "Needs root. Touches nothing outside the namespaces it creates (prefix jsdemo-)."})
public final class DemoCommand implements Callable<Integer> {
    static final String FAMILY = "jsdemo";

    @Option(names = {"-v", "--verbose"}, description = "Also show the data plane's log.")
    private boolean verbose;

    @Option(names = "--dataplane", description = "Show the data plane alone (two hosts, no daemons): a ping across "
            + "VXLAN, a deliberate break and its repair by reconcile.")
    private boolean dataplaneOnly;

    /** Lets the e2e test run the demo under its own name family (jse2e), as the project's rules want. */
    @Option(names = "--family", hidden = true, defaultValue = FAMILY)
    private String family;

    private final PrintStream out = System.out;
    private long stepStart;
    private final ReentrantLock stepLock = new ReentrantLock();
    private volatile boolean stopping;
    /** The running cluster demo, so a Ctrl-C also stops its daemons. */
    private volatile ClusterDemo clusterDemo;

    @Override
    public Integer call() throws Exception {
        if (!Privileges.isRoot()) {
            throw new UserError("demo needs root: it creates network namespaces (try: sudo bin/jswarm demo)");
        }
        for (String tool : List.of("nsenter", "ping", "bridge")) {
            if (Exec.run(5, List.of("sh", "-c", "command -v " + tool)).exit() != 0) {
                throw new UserError("demo needs '" + tool + "' (Debian: apt-get install iproute2 iputils-ping util-linux)");
            }
        }
        if (!verbose) {
            // The step lines say what happens; the data plane's INFO log would repeat it on stderr.
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        }
        long begin = System.nanoTime();
        step();
        try (Kernel kernel = Kernels.open()) {
            // A read-only first call, so the one-time set-up of the native calls is not billed to the lab.
            int links = kernel.links(Netns.current()).size();
            done("opened the netlink layer (rtnetlink over java.lang.foreign; first call read " + links
                    + " links of this namespace)");
            step();
            HostLab lab = HostLab.prepare(kernel, family);
            // Ctrl-C runs shutdown hooks while this thread goes on: the hook stops further steps, waits for
            // the one under way (so nothing is created after the cleanup), then removes everything.
            Thread hook = new Thread(() -> {
                stopping = true;
                System.err.println("jswarm: interrupted, removing the demo's namespaces ...");
                try {
                    stepLock.tryLock(15, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ClusterDemo c = clusterDemo;
                if (c != null) {
                    c.close();
                }
                lab.close();
            }, "jswarm-demo-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
            ClusterDemo cluster = null;
            try {
                if (dataplaneOnly) {
                    lab.build(2);
                    done("lab: hosts " + lab.host(1).nsName() + " (" + addr(lab.host(1)) + ") and " + lab.host(2).nsName()
                            + " (" + addr(lab.host(2)) + ") on a bridge in " + lab.prefix() + "-ul");
                    run(kernel, lab);
                } else {
                    lab.build(3);
                    done("lab: hosts h1..h3 " + lab.prefix() + "-h1..h3 (" + addr(lab.host(1)) + ".."
                            + addr(lab.host(3)) + ") on a bridge in " + lab.prefix() + "-ul");
                    cluster = new ClusterDemo(lab, out);
                    clusterDemo = cluster;
                    cluster.run();
                }
            } finally {
                if (cluster != null) {
                    cluster.close();
                }
                while (stepLock.isHeldByCurrentThread()) {
                    stepLock.unlock(); // a step that failed half-way
                }
                long t0 = System.nanoTime();
                lab.close();
                out.printf("[%5d ms] teardown: removed every namespace, link and run directory of %s%n",
                        (System.nanoTime() - t0) / 1_000_000, lab.prefix());
                removeHook(hook);
            }
        }
        out.printf("demo finished in %d ms%n", (System.nanoTime() - begin) / 1_000_000);
        return 0;
    }

    private void run(Kernel kernel, HostLab lab) throws Exception {
        LabOverlay net = LabOverlay.standard(lab);
        HostLab.Host h1 = lab.host(1);
        HostLab.Host h2 = lab.host(2);
        List<Dataplane> planes = new ArrayList<>();
        for (HostLab.Host h : lab.hosts()) {
            step();
            Dataplane dp = Kernels.dataplane(kernel, h.config());
            planes.add(dp);
            dp.ensureNetwork(net.network(h));
            done("h" + h.index() + ": network " + net.id() + " (VNI " + net.vni() + ", gateway " + net.gateway()
                    + ", VTEP " + addr(h) + ")");
            step();
            dp.ensureEndpoint(net.endpoint(h));
            done("h" + h.index() + ": endpoint " + net.endpointAddress(h) + " in sandbox " + net.sandboxName(h));
        }
        Dataplane dp1 = planes.get(0);
        Dataplane dp2 = planes.get(1);
        step();
        dp1.upsertPeers(net.id(), List.of(net.peer(h2)));
        dp2.upsertPeers(net.id(), List.of(net.peer(h1)));
        done("peers: h1 knows " + net.endpointIp(h2) + " at " + addr(h2) + ", h2 knows " + net.endpointIp(h1)
                + " at " + addr(h1) + " (static neighbour + FDB entries)");
        ping(net, h1, h2, true);
        ping(net, h2, h1, true);

        step();
        String mac = net.mac(h2).toString();
        Exec.inNetns(net.networkNsFile(h1), "bridge", "fdb", "del", mac, "dev", "vxlan0", "dst", addr(h2), "self")
                .orThrow();
        done("tamper: bridge fdb del " + mac + " dev vxlan0 dst " + addr(h2) + " (in h1's network namespace)");
        ping(net, h1, h2, false);
        step();
        ReconcileReport report = dp1.reconcile();
        done("h1: reconcile repaired " + report.repairs().size() + ": " + report.repairs());
        step();
        ReconcileReport again = dp1.reconcile();
        done("h1: reconcile again: " + (again.clean() ? "clean" : again.repairs()));
        ping(net, h1, h2, true);

        for (int i = 0; i < planes.size(); i++) {
            step();
            HostLab.Host h = lab.host(i + 1);
            planes.get(i).removeEndpoint(net.id(), net.endpoint(h).id());
            planes.get(i).removeNetwork(net.id());
            done("h" + h.index() + ": removed endpoint and network " + net.id());
        }
    }

    /** Pings once across the overlay and says whether the outcome was the expected one. */
    private void ping(LabOverlay net, HostLab.Host from, HostLab.Host to, boolean expectReply) {
        step();
        Exec.Result r = Exec.ping(net.sandboxFile(from), net.endpointIp(to), expectReply ? 2 : 1);
        // A reply may need a retry on a path seconds old (neighbour resolution); a deliberate break must not get one.
        for (int attempt = 2; expectReply && !r.ok() && attempt <= 3; attempt++) {
            r = Exec.ping(net.sandboxFile(from), net.endpointIp(to), 2);
        }
        String line = r.output().lines().filter(l -> l.contains("bytes from") || l.contains("packet loss"))
                .findFirst().orElse(r.output().strip());
        done("ping " + net.endpointIp(from) + " -> " + net.endpointIp(to) + ": " + line.strip());
        if (r.ok() != expectReply) {
            throw new IllegalStateException("ping " + net.endpointIp(to) + " from h" + from.index()
                    + (expectReply ? " got no reply" : " was answered although the FDB entry was deleted") + ": "
                    + r.output().strip());
        }
    }

    private static String addr(HostLab.Host h) {
        return h.underlay().getHostAddress();
    }

    /** Starts a timed step; holds the step lock until {@link #done} so a Ctrl-C cleanup never races it. */
    private void step() {
        if (!stepLock.isHeldByCurrentThread()) {
            stepLock.lock();
        }
        if (stopping) {
            stepLock.unlock();
            throw new UserError("interrupted");
        }
        stepStart = System.nanoTime();
    }

    private void done(String what) {
        out.printf("[%5d ms] %s%n", (System.nanoTime() - stepStart) / 1_000_000, what);
        out.flush();
        stepLock.unlock();
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Already shutting down: the hook runs (and finds the lab closed).
        }
    }
}
