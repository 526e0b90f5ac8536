package io.jswarm.agent.net;

import io.jswarm.gossip.dns.DnsConfig;
import io.jswarm.gossip.dns.EmbeddedDnsServer;
import io.jswarm.gossip.dns.NameLookup;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.netlink.NetlinkKernel;
import io.jswarm.vxlan.netlink.NetnsCalls;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded resolver of every local sandbox, as Docker runs it: one {@link EmbeddedDnsServer} per sandbox,
 * listening on 127.0.0.11:53 inside the sandbox's network namespace, answering the names of its networks from
 * a live {@link NameLookup} and forwarding the rest to the host's resolvers.
 *
 * <p>Two namespaces per server, on purpose: the listening socket is opened on a thread that has entered the
 * sandbox's namespace ({@link NetnsCalls}), so it lives there; the forwarding socket is opened by
 * {@link EmbeddedDnsServer#start(DatagramChannel)} on the calling thread, i.e. in the daemon's (host's)
 * namespace, where the upstreams are reachable; the sandbox itself may have no route out at all. So
 * {@link #serve} must be called from an ordinary daemon thread, never from one switched into a namespace.
 *
 * <p>Thread-safe; the constructor starts nothing; each served sandbox costs two sockets and one event-loop
 * thread until {@link #stop}.
 */
public final class SandboxDns implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxDns.class);

    /** Docker's address for the embedded resolver, in 127/8 so it is on {@code lo} and never clashes. */
    public static final InetSocketAddress LISTEN = new InetSocketAddress(
            java.net.InetAddress.ofLiteral("127.0.0.11"), 53);

    /** What one key is served with; a changed namespace (also: recreated at the same path) or lookup restarts. */
    private record Served(Netns netns, Object nsIdentity, NameLookup lookup, EmbeddedDnsServer server) {
    }

    private final DnsConfig config;
    private final Map<String, Served> served = new HashMap<>();
    private boolean closed;

    public SandboxDns(DnsConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Forwarding to the non-loopback nameservers of the host's /etc/resolv.conf (none: unknown names fail fast). */
    public static DnsConfig hostDefaults() {
        return DnsConfig.withUpstreams(ResolvConf.hostUpstreams(ResolvConf.HOST));
    }

    /**
     * Serves {@code sandbox} under {@code sandboxKey}: brings {@code lo} up there and listens on 127.0.0.11:53
     * (UDP). Idempotent: the same key, namespace and lookup again changes nothing; a different namespace or
     * lookup replaces the server. {@code lookup} is used live, never copied.
     */
    public synchronized void serve(String sandboxKey, Netns sandbox, NameLookup lookup) throws IOException {
        Objects.requireNonNull(sandboxKey, "sandboxKey");
        Objects.requireNonNull(sandbox, "sandbox");
        Objects.requireNonNull(lookup, "lookup");
        if (closed) {
            throw new IllegalStateException("closed");
        }
        Object identity = identity(sandbox);
        Served current = served.get(sandboxKey);
        if (current != null && current.netns().equals(sandbox) && current.lookup() == lookup
                && Objects.equals(current.nsIdentity(), identity)) {
            return;
        }
        stop(sandboxKey);
        loUp(sandbox);
        DatagramChannel channel = NetnsCalls.inside(sandbox, SandboxDns::bindInside);
        var server = new EmbeddedDnsServer(lookup, config);
        try {
            server.start(channel); // on this thread: the forwarding socket is created in the daemon's namespace
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while starting the DNS server of " + sandboxKey);
        } catch (RuntimeException e) {
            throw new IOException("cannot start the DNS server of " + sandboxKey + ": " + e.getMessage(), e);
        }
        served.put(sandboxKey, new Served(sandbox, identity, lookup, server));
        LOG.debug("serving DNS for {} in {}", sandboxKey, sandbox);
    }

    /** Closes the server of {@code sandboxKey}, freeing its port; unknown keys are fine. */
    public synchronized void stop(String sandboxKey) {
        Served s = served.remove(sandboxKey);
        if (s != null) {
            s.server().close();
            LOG.debug("stopped DNS for {}", sandboxKey);
        }
    }

    /** The keys currently served. */
    public synchronized List<String> keys() {
        return List.copyOf(served.keySet());
    }

    /** Writes {@code /etc/netns/NAME/resolv.conf} pointing at the embedded server, for {@code ip netns exec}. */
    public static void writeResolvConf(String namespaceName) throws IOException {
        ResolvConf.write(ResolvConf.ETC_NETNS, namespaceName);
    }

    /** Removes {@code /etc/netns/NAME/resolv.conf} and the directory if it is then empty; failures are logged. */
    public static void removeResolvConf(String namespaceName) {
        try {
            ResolvConf.remove(ResolvConf.ETC_NETNS, namespaceName);
        } catch (IOException e) {
            LOG.warn("cannot remove the resolv.conf of {}: {}", namespaceName, e.toString());
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (String key : new ArrayList<>(served.keySet())) {
            stop(key);
        }
    }

    /** Runs inside the sandbox's namespace: the socket is created, and therefore lives, there. */
    private static DatagramChannel bindInside() throws IOException {
        DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
        try {
            ch.bind(LISTEN);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** A fresh namespace has {@code lo} down, and 127.0.0.11 is not even local until it is up. */
    private static void loUp(Netns sandbox) throws IOException {
        // A short-lived kernel: a cached netlink socket would pin the sandbox's namespace after it is gone.
        try (var kernel = new NetlinkKernel()) {
            kernel.apply(sandbox, List.of(KernelChange.SetLink.up("lo")));
        }
    }

    /** The nsfs inode behind a path, so a namespace recreated at the same path counts as another one. */
    private static Object identity(Netns ns) throws IOException {
        if (ns instanceof Netns.AtPath(Path path)) {
            return Files.readAttributes(path, "unix:dev,ino");
        }
        return null;
    }
}
