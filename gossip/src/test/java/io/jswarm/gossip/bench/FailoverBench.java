package io.jswarm.gossip.bench;

import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.gossip.MembershipConfig;
import io.jswarm.gossip.MembershipEvent;
import io.jswarm.gossip.ScalecubeMembership;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The issue's {@code failover} measurement, not a test: a 3-member cluster with the LAN preset, two members
 * in this JVM (127.0.0.1, .2) and the victim in a child JVM (127.0.0.3, fixed port).
 * <ol>
 *   <li>5 rounds: SIGKILL the victim's process, time until both others have removed it; restart it with the
 *       same identity and wait until it is admitted again.</li>
 *   <li>60 s with 2 busy-loop threads per core-count saturating the CPU: count removals (any is false).</li>
 * </ol>
 * Run: {@code java -cp <test classpath> io.jswarm.gossip.bench.FailoverBench [hogSeconds]}. Loopback only.
 */
public final class FailoverBench {
    private static final int VICTIM_PORT = 47946;
    private final List<MembershipEvent> events = new CopyOnWriteArrayList<>();
    private final Map<String, Long> removedAt = new ConcurrentHashMap<>();

    public static void main(String[] args) throws Exception {
        int hogSeconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        new FailoverBench().run(hogSeconds);
        System.exit(0);
    }

    private void run(int hogSeconds) throws Exception {
        var ca = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
        NodeIdentity victimId = ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
        Path dir = Files.createTempDirectory("jswarm-bench");
        victimId.store(dir);
        var regA = new SimpleMeterRegistry();
        var regB = new SimpleMeterRegistry();
        var a = member(ca, "127.0.0.1", List.of(), "A", regA);
        var seed = a.self().gossipAddress();
        var b = member(ca, "127.0.0.2", List.of(seed), "B", regB);
        List<Long> detections = new ArrayList<>();
        Process victim = spawn(dir, seed);
        for (int round = 1; round <= 5; round++) {
            awaitAdmitted(victimId.nodeId(), a, b, victim);
            Thread.sleep(2000); // let connections and pings settle
            detections.add(kill(victim, round));
            victim = spawn(dir, seed);
        }
        awaitAdmitted(victimId.nodeId(), a, b, victim);
        List<Long> sorted = detections.stream().sorted().toList();
        System.out.printf("detection ms: %s median=%d%n", detections, sorted.get(sorted.size() / 2));

        Thread.sleep(3000);
        int before = removals();
        long victimRemovalsBefore = victimRemovals(dir);
        double suspA = regA.find("jswarm.membership.suspicions").counters().stream().mapToDouble(c -> c.count()).sum();
        System.out.printf("CPU hog: %d busy threads for %d s%n", Runtime.getRuntime().availableProcessors(), hogSeconds);
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Thread> hogs = hogs(stop);
        Thread.sleep(hogSeconds * 1000L);
        stop.set(true);
        for (Thread h : hogs) {
            h.join();
        }
        Thread.sleep(2000);
        double suspAfter = regA.find("jswarm.membership.suspicions").counters().stream().mapToDouble(c -> c.count()).sum();
        System.out.printf("under load: false removals at A/B=%d, at victim=%d, suspicions seen by A=%.0f, members A=%d B=%d%n",
                removals() - before, victimRemovals(dir) - victimRemovalsBefore, suspAfter - suspA, a.members().size(), b.members().size());
        stalls(victim, victimId.nodeId(), a, b);
        System.out.printf("suspicions seen by A over the whole run: %.0f%n",
                regA.find("jswarm.membership.suspicions").tag("source", "swim").counters().stream().mapToDouble(c -> c.count()).sum());

        // Failover while the CPU is saturated.
        var hogStop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Thread> loadHogs = hogs(hogStop);
        List<Long> loaded = new ArrayList<>();
        for (int round = 1; round <= 3; round++) {
            awaitAdmitted(victimId.nodeId(), a, b, victim);
            Thread.sleep(2000);
            loaded.add(kill(victim, round));
            victim = spawn(dir, seed);
        }
        awaitAdmitted(victimId.nodeId(), a, b, victim);
        hogStop.set(true);
        for (Thread h : loadHogs) {
            h.join();
        }
        System.out.printf("detection under CPU hog ms: %s%n", loaded);
        victim.destroyForcibly();
        a.stop();
        b.stop();
    }

    /**
     * A frozen process (SIGSTOP) keeps its sockets: no RST, probes connect, so only SWIM may remove it.
     * 5 s must not cause a removal; 25 s must, through the suspicion timeout, and SIGCONT brings it back.
     */
    private void stalls(Process victim, String id, ScalecubeMembership a, ScalecubeMembership b) throws Exception {
        int before = removals();
        signal(victim, "STOP");
        Thread.sleep(5000);
        signal(victim, "CONT");
        Thread.sleep(5000);
        System.out.printf("SIGSTOP 5 s: removals=%d (expected 0), A sees victim=%b%n", removals() - before,
                a.members().containsKey(id));
        removedAt.clear();
        long t0 = System.nanoTime();
        signal(victim, "STOP");
        long deadline = System.nanoTime() + Duration.ofSeconds(25).toNanos();
        while (!(removedAt.containsKey("A") && removedAt.containsKey("B")) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        long worst = Math.max(removedAt.getOrDefault("A", Long.MAX_VALUE), removedAt.getOrDefault("B", Long.MAX_VALUE));
        System.out.printf("SIGSTOP 25 s: removed at both after %s ms, causes %s%n",
                worst == Long.MAX_VALUE ? "never" : String.valueOf((worst - t0) / 1_000_000),
                events.stream().filter(e -> e instanceof MembershipEvent.Removed).map(e -> ((MembershipEvent.Removed) e).cause())
                        .toList().reversed().subList(0, 2));
        Thread.sleep(Math.max(0, deadline - System.nanoTime()) / 1_000_000);
        long c0 = System.nanoTime();
        signal(victim, "CONT");
        awaitAdmitted(id, a, b, victim);
        System.out.printf("SIGCONT: re-admitted at both after %d ms%n", (System.nanoTime() - c0) / 1_000_000);
    }

    private static void signal(Process p, String sig) throws Exception {
        // Only the child this bench started, by its PID.
        new ProcessBuilder("kill", "-" + sig, String.valueOf(p.pid())).inheritIO().start().waitFor();
    }

    /** SIGKILLs the victim; returns ms until both survivors removed it (-1: not within 30 s). */
    private long kill(Process victim, int round) throws Exception {
        removedAt.clear();
        long t0 = System.nanoTime();
        victim.destroyForcibly(); // SIGKILL
        victim.waitFor();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!(removedAt.containsKey("A") && removedAt.containsKey("B")) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        long worst = Math.max(removedAt.getOrDefault("A", Long.MAX_VALUE), removedAt.getOrDefault("B", Long.MAX_VALUE));
        long ms = worst == Long.MAX_VALUE ? -1 : (worst - t0) / 1_000_000;
        System.out.printf("round %d: SIGKILL -> removed at both survivors in %d ms (causes %s)%n", round, ms,
                events.stream().filter(e -> e instanceof MembershipEvent.Removed)
                        .map(e -> ((MembershipEvent.Removed) e).cause()).toList().reversed().subList(0, 2));
        return ms;
    }

    /** One busy-loop thread per core, at normal priority, until {@code stop}. */
    private static List<Thread> hogs(java.util.concurrent.atomic.AtomicBoolean stop) {
        List<Thread> hogs = new ArrayList<>();
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            hogs.add(Thread.ofPlatform().daemon().start(() -> {
                long x = 0;
                while (!stop.get()) {
                    x += System.nanoTime() % 7;
                }
                if (x == 42) {
                    System.out.print("");
                }
            }));
        }
        return hogs;
    }

    private int removals() {
        return (int) events.stream().filter(e -> e instanceof MembershipEvent.Removed).count();
    }

    private ScalecubeMembership member(CertificateAuthority ca, String ip, List<InetSocketAddress> seeds, String name,
                                       SimpleMeterRegistry reg) {
        var id = ca.issue(Identifiers.newId(), Role.MANAGER, Duration.ofDays(1));
        var m = new ScalecubeMembership(new io.jswarm.encryption.tls.IdentityKeyManager(id), InetAddress.ofLiteral("10.98.0.1"),
                MembershipConfig.lan(new InetSocketAddress(InetAddress.ofLiteral(ip), 0)).withSeeds(seeds), x -> false, reg);
        m.addListener(e -> {
            events.add(e);
            if (e instanceof MembershipEvent.Removed) {
                removedAt.putIfAbsent(name, System.nanoTime());
            }
        });
        m.start();
        return m;
    }

    private static Process spawn(Path dir, InetSocketAddress seed) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
                MemberProcess.class.getName(), dir.toString(), "127.0.0.3", String.valueOf(VICTIM_PORT),
                seed.getAddress().getHostAddress() + ":" + seed.getPort())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("victim.log").toFile())).start();
    }

    private static void awaitAdmitted(String id, ScalecubeMembership a, ScalecubeMembership b, Process p) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!(a.members().containsKey(id) && b.members().containsKey(id))) {
            if (System.nanoTime() > deadline || !p.isAlive()) {
                throw new IllegalStateException("victim not admitted; alive=" + p.isAlive());
            }
            Thread.sleep(20);
        }
    }

    /** Removals the victim process itself reported (its log is appended across restarts). */
    private static long victimRemovals(Path dir) throws java.io.IOException {
        try (var lines = Files.lines(dir.resolve("victim.log"))) {
            return lines.filter(l -> l.startsWith("EVENT Removed")).count();
        }
    }
}
