package io.jswarm.dns;

import io.jswarm.vxlan.Netns;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded resolver of every local sandbox, as Docker runs it: one {@link EmbeddedDnsServer} per sandbox,
 * listening on 127.0.0.11:53 (UDP and TCP) inside the sandbox's network namespace, answering the names of its
 * networks from a live {@link NameLookup} and forwarding the rest to the host's resolvers. All servers share
 * one event-loop thread ({@link DnsLoop}).
 *
 * <p>Two namespaces per server, on purpose: the listening sockets are opened inside the sandbox's namespace
 * ({@link SandboxHost#listen}), so they live there; the forwarding socket is opened by
 * {@link EmbeddedDnsServer#start(java.nio.channels.DatagramChannel, java.nio.channels.ServerSocketChannel)}
 * on the calling thread, i.e. in the daemon's (host's) namespace, where the upstreams are reachable; the
 * sandbox itself may have no route out at all. So {@link #serve} must be called from an ordinary daemon
 * thread, never from one switched into a namespace.
 *
 * <p>The machine comes in through {@link SandboxHost} (sockets, namespace identity) and {@link ResolvConf}
 * (file locations); {@link #onHost()} wires the real ones. Thread-safe; the constructor starts nothing; each
 * served sandbox costs three sockets (plus its TCP connections) until {@link #stop}.
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
    private final SandboxHost host;
    private final ResolvConf files;
    private final DnsLoop loop = new DnsLoop();
    private final Map<String, Served> served = new HashMap<>();
    private boolean closed;

    public SandboxDns(DnsConfig config, SandboxHost host, ResolvConf files) {
        this.config = Objects.requireNonNull(config, "config");
        this.host = Objects.requireNonNull(host, "host");
        this.files = Objects.requireNonNull(files, "files");
    }

    /**
     * The daemon's resolver: the real kernel, the host's files, forwarding to the non-loopback nameservers of
     * {@code /etc/resolv.conf} (none: unknown names fail fast).
     */
    public static SandboxDns onHost() {
        return onHost(ResolvConf.system().hostFile());
    }

    /** As {@link #onHost()}, with the upstreams read from {@code hostResolvConf} (tests: a stub upstream). */
    public static SandboxDns onHost(java.nio.file.Path hostResolvConf) {
        ResolvConf files = new ResolvConf(ResolvConf.system().etcNetns(), hostResolvConf);
        return new SandboxDns(DnsConfig.withUpstreams(files.hostUpstreams()), SandboxHost.linux(), files);
    }

    /**
     * Serves {@code sandbox} under {@code sandboxKey}: brings {@code lo} up there and listens on 127.0.0.11:53
     * (UDP and TCP). Idempotent: the same key, namespace and lookup again changes nothing; a different
     * namespace or lookup replaces the server. {@code lookup} is used live, never copied.
     */
    public synchronized void serve(String sandboxKey, Netns sandbox, NameLookup lookup) throws IOException {
        Objects.requireNonNull(sandboxKey, "sandboxKey");
        Objects.requireNonNull(sandbox, "sandbox");
        Objects.requireNonNull(lookup, "lookup");
        if (closed) {
            throw new IllegalStateException("closed");
        }
        Object identity = host.identity(sandbox);
        Served current = served.get(sandboxKey);
        if (current != null && current.netns().equals(sandbox) && current.lookup() == lookup
                && Objects.equals(current.nsIdentity(), identity)) {
            return;
        }
        stop(sandboxKey);
        SandboxHost.Listeners listeners = host.listen(sandbox);
        var server = new EmbeddedDnsServer(lookup, config, loop.loop());
        try {
            server.start(listeners.udp(), listeners.tcp()); // on this thread: the forwarding socket is the daemon's
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

    /** The UDP address a key is served on (127.0.0.11:53 inside its sandbox on a host); for tests. */
    public synchronized InetSocketAddress address(String sandboxKey) {
        Served s = served.get(sandboxKey);
        if (s == null) {
            throw new IllegalArgumentException("not served: " + sandboxKey);
        }
        return s.server().localAddress();
    }

    /** Writes {@code /etc/netns/NAME/resolv.conf} pointing at the embedded server, for {@code ip netns exec}. */
    public void writeResolvConf(String namespaceName) throws IOException {
        files.write(namespaceName);
    }

    /** Removes {@code /etc/netns/NAME/resolv.conf} and the directory if it is then empty; failures are logged. */
    public void removeResolvConf(String namespaceName) {
        try {
            files.remove(namespaceName);
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
        loop.close();
    }
}
