package io.jswarm.testkit;

import io.jswarm.vxlan.DataplaneConfig;
import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.kernel.KernelChange.AddAddress;
import io.jswarm.vxlan.kernel.KernelChange.AddLink;
import io.jswarm.vxlan.kernel.KernelChange.SetLink;
import io.jswarm.vxlan.kernel.LinkSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * N simulated hosts on one machine: each host is a network namespace ({@code /run/netns/PREFIX-hI}, so
 * {@code ip netns exec} works) whose {@code eth0} is a veth to a bridge in an underlay namespace
 * ({@code PREFIX-ul}, never the machine's own namespace), with address 192.0.2.(10+I)/24. Each host also
 * gets its own data-plane run directory ({@code /run/jswarm-lab/PREFIX/hI}) so the network namespaces of
 * different hosts never collide.
 *
 * <p>Built through the {@link Kernel} interface on purpose: the lab is the first user of the netlink layer.
 * Every name carries a per-run prefix of a family ({@code jse2e}, {@code jsdemo}, {@code jsbench});
 * creating a lab first removes what crashed runs of the same family left, and {@link #close()} removes
 * everything of this run, also after a failure half-way through {@link #create}.
 */
public final class HostLab implements AutoCloseable {
    /** Parent of the per-run, per-host data-plane run directories. */
    public static final Path RUN_ROOT = Path.of("/run/jswarm-lab");
    /** Underlay subnet (TEST-NET-1, reserved for documentation: never routed anywhere). */
    public static final String UNDERLAY = "192.0.2.0/24";

    private static final AtomicInteger COUNTER = new AtomicInteger();
    /** Prefixes of labs alive in this JVM: leftover cleanup must not remove a sibling lab (two-lab benchmarks). */
    private static final Set<String> LIVE = ConcurrentHashMap.newKeySet();

    /** One simulated host. {@code config()} is what its data plane runs with. */
    public record Host(int index, String nsName, Netns ns, InetAddress underlay, Path runDir) {
        public DataplaneConfig config() {
            return new DataplaneConfig(ns, runDir);
        }

        public Path nsFile() {
            return ((Netns.AtPath) ns).path();
        }
    }

    private final Kernel kernel;
    private final String prefix;
    private final Path runRoot;
    private final List<Host> hosts = new ArrayList<>();
    private boolean closed;

    private HostLab(Kernel kernel, String prefix) {
        this.kernel = kernel;
        this.prefix = prefix;
        this.runRoot = RUN_ROOT.resolve(prefix);
    }

    /**
     * Removes leftovers of {@code family}, then builds {@code count} hosts (1..100) on a fresh underlay
     * ({@link #prepare} + {@link #build}).
     *
     * @param family 2-8 of [a-z0-9]; every name this lab creates starts with {@code family-}
     */
    public static HostLab create(Kernel kernel, String family, int count) throws IOException {
        HostLab lab = prepare(kernel, family);
        lab.build(count);
        return lab;
    }

    /**
     * Removes leftovers of {@code family} and reserves a prefix, without creating anything yet: a caller that
     * must clean up on Ctrl-C registers {@link #close()} as a shutdown hook before calling {@link #build}.
     */
    public static HostLab prepare(Kernel kernel, String family) {
        if (family == null || !family.matches("[a-z0-9]{2,8}")) {
            throw new IllegalArgumentException("lab family must be 2-8 of [a-z0-9]: " + family);
        }
        removeLeftovers(kernel, family);
        String prefix = family + "-" + Long.toString(ProcessHandle.current().pid(), 36)
                + Integer.toString(COUNTER.incrementAndGet(), 36);
        LIVE.add(prefix);
        return new HostLab(kernel, prefix);
    }

    /**
     * Builds {@code count} hosts (1..100) on a fresh underlay; on failure removes what it made and rethrows.
     * Synchronized with {@link #close()}: a shutdown hook closing the lab waits for the build, then removes it.
     */
    public synchronized void build(int count) throws IOException {
        if (count < 1 || count > 100) {
            throw new IllegalArgumentException("a lab has 1..100 hosts, got " + count);
        }
        if (closed || !hosts.isEmpty()) {
            throw new IllegalStateException("lab " + prefix + " is " + (closed ? "closed" : "already built"));
        }
        try {
            buildHosts(count);
        } catch (IOException | RuntimeException e) {
            try {
                close();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private void buildHosts(int count) throws IOException {
        Netns ul = kernel.createNamespace(Netns.IP_NETNS_DIR.resolve(prefix + "-ul"));
        kernel.apply(ul, new AddLink(new LinkSpec.Bridge("br0", 0, null)), SetLink.up("br0"), SetLink.up("lo"));
        for (int i = 1; i <= count; i++) {
            String name = prefix + "-h" + i;
            Netns ns = kernel.createNamespace(Netns.IP_NETNS_DIR.resolve(name));
            InetAddress ip = IpPrefix.parse(UNDERLAY).addressAt(10 + i);
            // The host's eth0 is created directly inside the host namespace: nothing passes the machine's own.
            kernel.apply(ul, new AddLink(new LinkSpec.Veth("h" + i, 0, null, "eth0", ns, null)),
                    new SetLink("h" + i, true, null, null, "br0"));
            kernel.apply(ns, SetLink.up("lo"), new AddAddress(new Address("eth0", IpPrefix.of(ip, 24))),
                    SetLink.up("eth0"));
            Path runDir = runRoot.resolve("h" + i);
            Files.createDirectories(runDir);
            hosts.add(new Host(i, name, ns, ip, runDir));
        }
    }

    public String prefix() {
        return prefix;
    }

    public List<Host> hosts() {
        return List.copyOf(hosts);
    }

    /** Host {@code i}, counted from 1. */
    public Host host(int i) {
        return hosts.get(i - 1);
    }

    /** The namespace holding the underlay bridge. */
    public Path underlayNsFile() {
        return Netns.IP_NETNS_DIR.resolve(prefix + "-ul");
    }

    /**
     * A name for a sandbox (container) namespace of host {@code h} under this lab's prefix, e.g.
     * {@code jsdemo-k2f1-h1-ep}: it lives in /run/netns for {@code ip netns exec} and is removed by
     * {@link #close()} even if the data plane that created it did not get to.
     */
    public String sandboxName(Host h, String suffix) {
        return h.nsName() + "-" + suffix;
    }

    /** Removes every namespace, link and directory of this run. Idempotent; safe from a shutdown hook. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            removeWithPrefix(kernel, prefix + "-", prefix);
        } finally {
            LIVE.remove(prefix);
        }
    }

    /** Removes what earlier runs of {@code family} left behind (crashes, kill -9), sparing live labs of this JVM. */
    public static void removeLeftovers(Kernel kernel, String family) {
        for (String dead : prefixesOf(family)) {
            if (!LIVE.contains(dead)) {
                removeWithPrefix(kernel, dead + "-", dead);
            }
        }
    }

    /** Prefixes of {@code family} present on the machine: {@code /run/netns/FAMILY-*} and run directories. */
    private static Set<String> prefixesOf(String family) {
        Set<String> found = new java.util.TreeSet<>();
        for (Path dir : List.of(Netns.IP_NETNS_DIR, RUN_ROOT)) {
            for (String n : list(dir)) {
                if (n.startsWith(family + "-")) {
                    int dash = n.indexOf('-', family.length() + 1);
                    found.add(dash < 0 ? n : n.substring(0, dash));
                }
            }
        }
        return found;
    }

    /**
     * Sandboxes and network namespaces go first, hosts and the underlay last; deleting a namespace removes
     * its links, so no link needs deleting one by one. Every step is attempted; failures are reported together.
     */
    private static void removeWithPrefix(Kernel kernel, String nsPrefix, String runDirName) {
        List<Exception> failures = new ArrayList<>();
        Path runRoot = RUN_ROOT.resolve(runDirName);
        List<Path> nsFiles = new ArrayList<>();
        if (Files.isDirectory(runRoot)) {
            try (Stream<Path> walk = Files.walk(runRoot)) {
                walk.filter(Files::isRegularFile).forEach(nsFiles::add);
            } catch (IOException e) {
                failures.add(e);
            }
        }
        List<String> named = list(Netns.IP_NETNS_DIR).stream().filter(n -> n.startsWith(nsPrefix))
                // Longer names are sandboxes of hosts (PREFIX-h1-ep) and go before the host (PREFIX-h1).
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
        named.stream().filter(n -> !n.endsWith("-ul")).forEach(n -> nsFiles.add(Netns.IP_NETNS_DIR.resolve(n)));
        named.stream().filter(n -> n.endsWith("-ul")).forEach(n -> nsFiles.add(Netns.IP_NETNS_DIR.resolve(n)));
        for (Path f : nsFiles) {
            try {
                kernel.deleteNamespace(f);
            } catch (IOException | RuntimeException e) {
                failures.add(new IOException("cannot remove namespace " + f + ": " + e.getMessage(), e));
            }
        }
        if (Files.exists(runRoot)) {
            try (Stream<Path> walk = Files.walk(runRoot)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException("lab cleanup of " + runDirName + " incomplete: "
                    + failures.getFirst().getMessage());
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    private static List<String> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
