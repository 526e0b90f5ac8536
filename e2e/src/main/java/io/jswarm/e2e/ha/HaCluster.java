package io.jswarm.e2e.ha;

import io.grpc.StatusRuntimeException;
import io.jswarm.cli.cluster.NodeFormat;
import io.jswarm.proto.cluster.InfoRequest;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.NodeStatus;
import io.jswarm.testkit.DaemonLab;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * A swarm of several managers and some workers on real daemons in lab hosts ({@link DaemonLab}): hosts
 * {@code 1..managers} are managers (h1 runs {@code init}, the others {@code join} with the manager token), the
 * rest workers. Hostnames are {@code h1..hN}. Knows which daemons it stopped, kills by the PID it started, and
 * answers "who leads" the way an operator asks: {@code node ls}'s MANAGER STATUS on a given manager.
 */
public final class HaCluster implements AutoCloseable {
    public static final long DEADLINE_MS = 60_000;
    /** Wall-clock times on the daemons' log lines: their logs line up with the run's own measurements. */
    private static final Map<String, String> CLOCK = Map.of("JAVA_TOOL_OPTIONS",
            "-Dorg.slf4j.simpleLogger.showDateTime=true -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
    private final DaemonLab lab;
    private final int managers;
    private final int hosts;
    private final Process[] daemons;
    private final boolean[] up;

    private HaCluster(DaemonLab lab, int managers, int workers) {
        this.lab = lab;
        this.managers = managers;
        this.hosts = managers + workers;
        this.daemons = new Process[hosts + 1];
        this.up = new boolean[hosts + 1];
    }

    /** Builds the lab and starts every host's daemon (none in a swarm yet). */
    public static HaCluster start(String family, int managers, int workers) throws Exception {
        DaemonLab lab = DaemonLab.create(family, managers + workers);
        HaCluster c = new HaCluster(lab, managers, workers);
        try {
            for (int h = 1; h <= c.hosts; h++) {
                c.daemons[h] = lab.startDaemon(h, CLOCK);
                c.up[h] = true;
            }
            for (int h = 1; h <= c.hosts; h++) {
                c.awaitAnswering(h);
            }
            return c;
        } catch (Exception | AssertionError e) {
            c.close();
            throw e;
        }
    }

    public DaemonLab lab() {
        return lab;
    }

    public int hosts() {
        return hosts;
    }

    public int managers() {
        return managers;
    }

    public Path socket(int h) {
        return lab.socket(h);
    }

    public HaCli.Result cli(int h, String... args) {
        return HaCli.run(lab.socket(h), args);
    }

    /** {@code init} on h1; returns the manager join token. */
    public String init() {
        HaCli.Result init = cli(1, "init", "--advertise-addr", DaemonLab.addr(1));
        check(init, "init on h1");
        return token("manager");
    }

    public String token(String role) {
        return check(cli(1, "join-token", "-q", role), "join-token " + role).out().strip();
    }

    /** {@code join} of host {@code h} through h1's address with {@code token}. */
    public HaCli.Result join(int h, String token) {
        return HaCli.join(lab.socket(h), token, DaemonLab.addr(1) + ":2377", DaemonLab.addr(h));
    }

    /** The whole swarm: init, managers 2.. with the manager token, the workers with the worker token. */
    public void form() throws Exception {
        String managerToken = init();
        String workerToken = token("worker");
        for (int h = 2; h <= managers; h++) {
            check(join(h, managerToken), "join of h" + h + " as a manager");
        }
        for (int h = managers + 1; h <= hosts; h++) {
            check(join(h, workerToken), "join of h" + h + " as a worker");
        }
        awaitAllReady(1);
    }

    /**
     * Back to a whole cluster whatever an earlier step left: every underlay link up, every stopped daemon
     * started, all nodes Ready with every manager Leader or Reachable.
     */
    public void ensureHealthy() throws Exception {
        for (int h = 1; h <= hosts; h++) {
            lab.underlayLink(h, true);
        }
        int[] down = upHostsComplement();
        if (down.length > 0) {
            restartTogether(down);
        }
        awaitAllReady(leader());
    }

    private synchronized int[] upHostsComplement() {
        return java.util.stream.IntStream.rangeClosed(1, hosts).filter(h -> !up[h]).toArray();
    }

    public synchronized boolean isUp(int h) {
        return up[h];
    }

    /** Hosts whose daemon runs now. */
    public synchronized List<Integer> upHosts() {
        List<Integer> out = new ArrayList<>();
        for (int h = 1; h <= hosts; h++) {
            if (up[h]) {
                out.add(h);
            }
        }
        return out;
    }

    /** SIGKILL of host {@code h}'s daemon, by the PID this cluster started; returns when it is gone. */
    public void kill(int h) throws InterruptedException {
        Process p;
        synchronized (this) {
            up[h] = false;
            p = daemons[h];
        }
        p.destroyForcibly();
        p.waitFor();
    }

    /** Starts host {@code h}'s daemon again from its data root (it rejoins by itself) and waits until it answers. */
    public void restart(int h) throws Exception {
        Process p = lab.startDaemon(h, CLOCK);
        synchronized (this) {
            daemons[h] = p;
        }
        awaitAnswering(h);
        synchronized (this) {
            up[h] = true;
        }
    }

    /** Starts the daemons of {@code hs} all at once, then waits until each answers. */
    public void restartTogether(int... hs) throws Exception {
        for (int h : hs) {
            Process p = lab.startDaemon(h, CLOCK);
            synchronized (this) {
                daemons[h] = p;
            }
        }
        for (int h : hs) {
            awaitAnswering(h);
            synchronized (this) {
                up[h] = true;
            }
        }
    }

    public List<NodeInfo> nodes(int h) {
        return lab.call(h, s -> s.listNodes(ListNodesRequest.getDefaultInstance())).getNodesList();
    }

    /** The host that {@code node ls} on {@code h} shows as Leader (by hostname hI), if any; empty on any failure. */
    public Optional<Integer> leaderSeenBy(int h) {
        try {
            return nodes(h).stream().filter(n -> NodeFormat.managerStatus(n).equals("Leader"))
                    .map(n -> Integer.parseInt(n.getHostname().substring(1))).findFirst();
        } catch (StatusRuntimeException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** MANAGER STATUS of host {@code of} in {@code node ls} on {@code on} ("" for a worker, null if not listed). */
    public String managerStatus(int on, int of) {
        return nodes(on).stream().filter(n -> n.getHostname().equals("h" + of)).map(NodeFormat::managerStatus)
                .findFirst().orElse(null);
    }

    /** The leader as the first answering manager sees it. */
    public int leader() throws Exception {
        int[] found = {0};
        await("a leader", () -> {
            for (int m = 1; m <= managers; m++) {
                if (isUp(m)) {
                    Optional<Integer> l = leaderSeenBy(m);
                    if (l.isPresent()) {
                        found[0] = l.get();
                        return true;
                    }
                }
            }
            return false;
        });
        return found[0];
    }

    /**
     * Polls {@code node ls} on manager {@code survivor} every 20 ms until it shows a Leader other than
     * {@code old}; returns the new leader's host and the milliseconds since {@code sinceNanos}, or throws after
     * the deadline. What each poll saw, when it changed, is kept for {@link #lastElection} (a slow election
     * shows whether {@code node ls} answered late, failed, or showed the old leader).
     */
    public long[] awaitNewLeader(int survivor, int old, long sinceNanos) throws Exception {
        long deadline = System.nanoTime() + DEADLINE_MS * 1_000_000;
        List<String> seen = new ArrayList<>();
        String last = null;
        while (System.nanoTime() < deadline) {
            long a = System.nanoTime();
            String what;
            Optional<Integer> l;
            try {
                List<NodeInfo> ns = nodes(survivor);
                l = ns.stream().filter(n -> NodeFormat.managerStatus(n).equals("Leader"))
                        .map(n -> Integer.parseInt(n.getHostname().substring(1))).findFirst();
                what = ns.stream().filter(n -> !NodeFormat.managerStatus(n).isEmpty())
                        .map(n -> n.getHostname() + "=" + NodeFormat.managerStatus(n)).sorted().toList().toString();
            } catch (StatusRuntimeException e) {
                l = Optional.empty();
                what = e.getStatus().getCode() + " " + e.getStatus().getDescription();
            }
            if (!what.equals(last)) {
                seen.add(String.format(java.util.Locale.ROOT, "+%d ms (call %d ms): %s", (a - sinceNanos) / 1_000_000,
                        (System.nanoTime() - a) / 1_000_000, what));
                last = what;
            }
            if (l.isPresent() && l.get() != old) {
                lastElection = String.join("; ", seen);
                return new long[] {l.get(), (System.nanoTime() - sinceNanos) / 1_000_000};
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no new leader on h" + survivor + " within " + DEADLINE_MS + " ms after killing h"
                + old + "; node ls saw: " + seen + "\n" + tail(survivor));
    }

    private volatile String lastElection = "";

    /** What {@code node ls} showed during the last {@link #awaitNewLeader}, each change with its time. */
    public String lastElection() {
        return lastElection;
    }

    /** Every node Ready in {@code node ls} on {@code h}, and every manager Leader or Reachable there. */
    public void awaitAllReady(int h) throws Exception {
        await("all " + hosts + " nodes Ready, every manager Leader or Reachable, on h" + h, () -> allReady(h));
    }

    public boolean allReady(int h) {
        try {
            List<NodeInfo> ns = nodes(h);
            return ns.size() == hosts && ns.stream().allMatch(n -> n.getStatus() == NodeStatus.NODE_STATUS_READY)
                    && ns.stream().filter(n -> Integer.parseInt(n.getHostname().substring(1)) <= managers)
                    .map(NodeFormat::managerStatus).filter(s -> s.equals("Leader") || s.equals("Reachable"))
                    .count() == managers;
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    /**
     * The manager state's endpoints of {@code network} as {@code network ls} on host {@code h} returns them
     * (name → [address]), or null when the call fails.
     */
    public Map<String, List<String>> stateEndpoints(int h, String network) {
        try {
            Map<String, List<String>> out = new TreeMap<>();
            lab.call(h, s -> s.networkList(ListNetworksRequest.getDefaultInstance())).getNetworksList().stream()
                    .filter(d -> d.getNetwork().getName().equals(network)).flatMap(d -> d.getEndpointsList().stream())
                    .forEach(e -> out.computeIfAbsent(e.getName(), k -> new ArrayList<>()).add(e.getAddress()));
            return out;
        } catch (StatusRuntimeException e) {
            return null;
        }
    }

    /** The endpoints host {@code h}'s own table sees on {@code network} (name → [address]), null on failure. */
    public Map<String, List<String>> tableEndpoints(int h, String network) {
        try {
            Map<String, List<String>> out = new TreeMap<>();
            lab.call(h, s -> s.networkInspect(NetworkInspectRequest.newBuilder().setNetwork(network).build()))
                    .getEndpointsList().forEach(e -> out.computeIfAbsent(e.getName(), k -> new ArrayList<>()).add(e.getIp()));
            return out;
        } catch (StatusRuntimeException e) {
            return null;
        }
    }

    public void awaitAnswering(int h) throws Exception {
        await("daemon h" + h + " answering", () -> {
            try {
                lab.call(h, s -> s.info(InfoRequest.getDefaultInstance()));
                return true;
            } catch (StatusRuntimeException e) {
                return false;
            }
        });
    }

    public void await(String what, BooleanSupplier ok) throws Exception {
        long deadline = System.nanoTime() + DEADLINE_MS * 1_000_000;
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + DEADLINE_MS + " ms waiting for " + what + "\n" + tail(1));
            }
            Thread.sleep(50);
        }
    }

    /** The last lines of host {@code h}'s daemon log (without DEBUG). */
    public String tail(int h) {
        try {
            List<String> lines = lab.log(h).lines().filter(l -> !l.contains("DEBUG")).toList();
            return "h" + h + " log tail:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "h" + h + " log unreadable: " + e.getMessage();
        }
    }

    public HaCli.Result check(HaCli.Result r, String what) {
        if (!r.ok()) {
            throw new AssertionError(what + " failed: " + r.all() + "\n" + tail(1));
        }
        return r;
    }

    /**
     * Copies every daemon's log to {@code target/ha-logs/PREFIX/} (the lab's own directory goes with it), so a
     * failure's product side can be read after the run; then removes the lab.
     */
    @Override
    public void close() {
        try {
            Path dir = Path.of("target", "ha-logs", lab.netns(1).substring(0, lab.netns(1).lastIndexOf('-')));
            java.nio.file.Files.createDirectories(dir);
            for (int h = 1; h <= hosts; h++) {
                java.nio.file.Files.writeString(dir.resolve("h" + h + ".log"), lab.log(h));
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("ha: daemon logs not kept: " + e);
        } finally {
            lab.close();
        }
    }
}
