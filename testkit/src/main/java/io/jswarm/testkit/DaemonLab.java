package io.jswarm.testkit;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.jswarm.proto.cluster.ControlGrpc;
import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.netlink.NetlinkKernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Real daemons as separate JVMs on the hosts of a {@link HostLab} (namespaces {@code FAMILY-…-hI}, underlay
 * 192.0.2.(10+I)), sockets and data roots in a private temp directory. Used by the failover benchmark; the
 * launch logic ({@link #jswarm}, {@link #java}) is shared with the cluster e2e test. {@link #close} stops
 * every daemon this lab started (by PID), then removes the namespaces and files, also after a failure;
 * creating a lab first removes the namespaces crashed runs of the family left.
 */
public final class DaemonLab implements AutoCloseable {
    /** Where the daemons serve {@code /metrics} (inside their own namespace). */
    public static final int METRICS_PORT = 9323;
    private final Kernel kernel;
    private final HostLab hosts;
    private final Path dir;
    private final OwnedProcesses processes = new OwnedProcesses();

    private DaemonLab(Kernel kernel, HostLab hosts, Path dir) {
        this.kernel = kernel;
        this.hosts = hosts;
        this.dir = dir;
    }

    public static DaemonLab create(String family, int count) throws IOException {
        Kernel kernel = new NetlinkKernel();
        HostLab hosts = null;
        try {
            hosts = HostLab.create(kernel, family, count);
            return new DaemonLab(kernel, hosts, Files.createTempDirectory(family + "-"));
        } catch (IOException | RuntimeException e) {
            if (hosts != null) {
                hosts.close();
            }
            kernel.close();
            throw e;
        }
    }

    public static String addr(int host) {
        return "192.0.2." + (10 + host);
    }

    public String netns(int host) {
        return hosts.host(host).nsName();
    }

    /** Host {@code host}'s network namespace file (to open sockets there: {@code NetnsCalls.inside}). */
    public Path hostNsFile(int host) {
        return hosts.host(host).nsFile();
    }

    /**
     * Cuts host {@code host} off the underlay ({@code up} false) or heals it: its veth's bridge-side end, inside
     * the lab's underlay namespace, goes down or up. The host's own interfaces, and everything outside the lab,
     * stay as they are; control plane, gossip and data plane of that host are all cut, as by a pulled cable.
     */
    public void underlayLink(int host, boolean up) {
        Exec.run(10, List.of("ip", "-n", hosts.underlayNsFile().getFileName().toString(), "link", "set",
                "h" + host, up ? "up" : "down")).orThrow();
    }

    /**
     * The IPv4 addresses (without prefix length) on every interface but {@code lo} of every sandbox namespace
     * of this lab ({@code /run/netns/PREFIX-hI-*}), read from the kernel with iproute2: an independent witness of
     * what the daemons handed out. Keyed by namespace name; a namespace without an address maps to an empty list.
     */
    public java.util.Map<String, List<String>> sandboxAddresses() {
        java.util.Map<String, List<String>> out = new java.util.TreeMap<>();
        List<String> names;
        try (Stream<Path> s = Files.list(io.jswarm.vxlan.Netns.IP_NETNS_DIR)) {
            names = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(hosts.prefix() + "-h") && n.indexOf('-', hosts.prefix().length() + 2) > 0)
                    .toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        for (String n : names) {
            Exec.Result r = Exec.run(10, List.of("ip", "-n", n, "-4", "-o", "addr", "show"));
            if (!r.ok()) {
                continue; // removed between the listing and the look (a detach in flight)
            }
            List<String> ips = new ArrayList<>();
            for (String line : r.output().lines().toList()) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && !f[1].equals("lo") && f[2].equals("inet")) {
                    ips.add(f[3].substring(0, f[3].indexOf('/')));
                }
            }
            out.put(n, List.copyOf(ips));
        }
        return out;
    }

    /** Host {@code host}'s daemon data root ({@code swarm/certificates/} holds its key and certificate). */
    public Path dataRoot(int host) {
        return dir.resolve("h" + host);
    }

    public Path execRoot(int host) {
        return dir.resolve("h" + host + "-run");
    }

    /** The namespace file of network {@code networkId} on host {@code host}'s daemon. */
    public Path networkNamespace(int host, String networkId) {
        return execRoot(host).resolve("netns").resolve(networkId.substring(0, 12));
    }

    /** A sandbox name on host {@code host}, removed by {@link #close} whoever made it. */
    public String sandbox(int host, String suffix) {
        return hosts.sandboxName(hosts.host(host), suffix);
    }

    public Path socket(int host) {
        return dir.resolve("h" + host + ".sock");
    }

    /** Host {@code host}'s Docker Engine API socket (per host, so parallel labs never share one). */
    public Path apiSocket(int host) {
        return dir.resolve("h" + host + "-docker.sock");
    }

    /**
     * Starts {@code jswarm daemon} for host {@code host} inside its network namespace, with metrics on its
     * address. {@code nsenter --net} keeps the machine's mount namespace, so the namespaces the daemon binds
     * (sandboxes, networks under its exec root) outlive the process as on a real host.
     */
    public Process startDaemon(int host) throws IOException {
        return startDaemon(host, java.util.Map.of());
    }

    /** {@link #startDaemon(int)} with {@code env} added to the daemon's environment. */
    public Process startDaemon(int host, java.util.Map<String, String> env) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + hosts.host(host).nsFile()));
        cmd.addAll(jswarm("-H", "unix://" + socket(host), "daemon", "--data-root", dir.resolve("h" + host).toString(),
                "--hostname", "h" + host, "--metrics-addr", addr(host) + ":" + METRICS_PORT,
                "--exec-root", execRoot(host).toString(), "--api-socket", apiSocket(host).toString()));
        return processes.start(cmd, dir.resolve("h" + host + ".log"), env);
    }

    /**
     * One call on host {@code host}'s local API (a fresh connection: the daemon may have restarted), 60 s
     * deadline: generous, because {@code init} and {@code join} start a manager's replicated store (Ratis) and
     * took more than 10 s on this 2-core machine while other e2e classes ran. A failed call throws the call's {@link io.grpc.StatusRuntimeException} as it is (the test kit
     * does not depend on the CLI, so this is not the CLI's {@code DaemonClient.Failure}).
     */
    public <T> T call(int host, Function<ControlGrpc.ControlBlockingStub, T> rpc) {
        return call(socket(host), rpc);
    }

    /** {@link #call(int, Function)} on the daemon socket at {@code socket}. */
    static <T> T call(Path socket, Function<ControlGrpc.ControlBlockingStub, T> rpc) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext()
                // A Unix socket has no TCP keepalive; gRPC's default would make Netty warn on every call.
                .withOption(ChannelOption.SO_KEEPALIVE, null).build();
        try {
            return rpc.apply(ControlGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS));
        } finally {
            channel.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    public String log(int host) throws IOException {
        Path f = dir.resolve("h" + host + ".log");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    public static void unmountNetworks(Path dir) {
        Daemons.unmountNetworks(dir);
    }

    public static void removeResolvConfs(String prefix) {
        Daemons.removeResolvConfs(prefix);
    }

    /**
     * The jswarm command: {@code java -jar cli/target/jswarm.jar} when that jar is at least as new as every
     * compiled class of the modules it contains (after {@code package}), else the same main class on this
     * JVM's classpath (after plain {@code test}, where no jar is built), so the code under test is never stale.
     */
    public static List<String> jswarm(String... args) {
        Path root = Path.of("").toAbsolutePath();
        if (!Files.isDirectory(root.resolve("cli"))) {
            root = root.getParent(); // surefire runs in e2e/, the bench script in the repository root
        }
        Path jar = root.resolve("cli/target/jswarm.jar");
        if (isFresh(jar, root)) {
            List<String> cmd = new ArrayList<>(java(null));
            cmd.addAll(List.of("-jar", jar.toString()));
            cmd.addAll(List.of(args));
            return cmd;
        }
        return java("io.jswarm.cli.Main", args);
    }

    private static boolean isFresh(Path jar, Path root) {
        if (!Files.isRegularFile(jar)) {
            return false;
        }
        try {
            long built = Files.getLastModifiedTime(jar).toMillis();
            for (String module : List.of("proto", "encryption", "vxlan", "gossip", "dns", "manager", "agent", "testkit", "cli")) {
                Path classes = root.resolve(module).resolve("target/classes");
                if (Files.isDirectory(classes)) {
                    try (Stream<Path> files = Files.walk(classes)) {
                        if (files.anyMatch(f -> f.toFile().lastModified() > built)) {
                            return false;
                        }
                    }
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A daemon-sized JVM command line for {@code mainClass} on this JVM's classpath ({@link Daemons#java}). */
    public static List<String> java(String mainClass, String... args) {
        return Daemons.java(mainClass, args);
    }

    @Override
    public void close() {
        processes.close();
        unmountNetworks(dir);
        removeResolvConfs(hosts.prefix() + "-");
        try {
            hosts.close();
        } finally {
            kernel.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // best effort: a temp directory
            }
        }
    }
}
