package io.jswarm.agent.net;

import io.grpc.Status;
import io.jswarm.gossip.replication.PeerMessenger;
import io.jswarm.gossip.replication.ReplicatorConfig;
import io.jswarm.gossip.replication.TableReplicator;
import io.jswarm.proto.cluster.AttachEndpointRequest;
import io.jswarm.proto.cluster.AttachEndpointResponse;
import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.DetachEndpointRequest;
import io.jswarm.proto.cluster.LocalEndpoint;
import io.jswarm.proto.cluster.LocalSandbox;
import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.cluster.NetworkAttachResponse;
import io.jswarm.proto.cluster.NetworkConnectRequest;
import io.jswarm.proto.cluster.NetworkDetachRequest;
import io.jswarm.proto.cluster.NetworkDisconnectRequest;
import io.jswarm.proto.cluster.NetworkDisconnectResponse;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NetworkInspectResponse;
import io.jswarm.proto.cluster.NetworkView;
import io.jswarm.proto.state.Network;
import io.jswarm.vxlan.Dataplane;
import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.NetworkSpec;
import io.jswarm.vxlan.ReconcileReport;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's side of overlay networks: sandboxes and their endpoints (CNM), the network namespaces they need
 * (made on the first local endpoint, removed with the last), the endpoint tables shared with the other nodes
 * of each network, and the DNS resolver inside each sandbox. The manager hands out addresses
 * ({@link ClusterApi}); the kernel is changed only through the {@link Dataplane}; the tables travel through
 * the {@link TableReplicator}.
 *
 * <p>Operations are serialised by this object's lock (they block on the manager and the kernel; they are
 * operator commands, not a hot path). Table changes arrive on the replicator's thread ({@link TableBridge}).
 * A restarted agent puts back what {@link SandboxStore} lists without asking anyone, then lets the tables
 * refill before its first {@link Dataplane#reconcile()}, so the kernel keeps forwarding throughout.
 */
public final class NetworkAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NetworkAgent.class);

    /**
     * @param stateDir       where {@link SandboxStore} keeps its file
     * @param settle         after replication starts, how long the tables get to refill before the first
     *                       reconcile (default 3 s: several anti-entropy rounds)
     * @param reconcileEvery period of the repairing reconcile afterwards (default 30 s)
     */
    public record Settings(Path stateDir, Duration settle, Duration reconcileEvery) {
        public static Settings defaults(Path stateDir) {
            return new Settings(stateDir, Duration.ofSeconds(3), Duration.ofSeconds(30));
        }
    }

    private final String nodeId;
    private final Supplier<ClusterApi> api;
    private final Dataplane dataplane;
    private final SandboxResolver dns;
    private final Settings settings;
    private final SandboxStore store;
    private final TableBridge bridge;
    private final HostKernel kernel;
    private final LocalState local = new LocalState();
    private final ScheduledExecutorService timer;
    private volatile ClusterView view = ClusterView.getDefaultInstance();
    private volatile TableReplicator replicator;
    private volatile ReconcileReport lastReconcile;
    private final java.util.concurrent.atomic.AtomicBoolean orphansChecked = new java.util.concurrent.atomic.AtomicBoolean();

    public NetworkAgent(String nodeId, Supplier<ClusterApi> api, Dataplane dataplane, SandboxResolver dns, Settings settings) {
        this.nodeId = nodeId;
        this.api = api;
        this.dataplane = dataplane;
        this.dns = dns;
        this.settings = settings;
        this.store = new SandboxStore(settings.stateDir());
        this.bridge = new TableBridge(nodeId, dataplane, NetworkAgent::specId,
                id -> local.network(id).map(io.jswarm.proto.state.Network::getName).orElse(""));
        this.kernel = new HostKernel(nodeId, dataplane, bridge, dns, local);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jswarm-network-agent");
            t.setDaemon(true);
            return t;
        });
    }

    /** The data plane's name for a network: the first 12 characters of its id (its namespace and devices). */
    static String specId(String networkId) {
        return networkId.length() <= 12 ? networkId : networkId.substring(0, 12);
    }

    /**
     * Puts back every sandbox and endpoint of the saved state (idempotent: what is already in the kernel stays
     * and keeps forwarding). Failures are logged per endpoint; the periodic reconcile retries.
     */
    public synchronized void start() throws IOException {
        local.load(store);
        for (Network n : local.networks()) {
            for (var e : local.endpointsOn(n.getNetworkId())) {
                try {
                    kernel.ensure(n, e.sandbox(), e.endpoint(), true);
                } catch (IOException | RuntimeException ex) {
                    LOG.warn("endpoint not restored network={} endpoint={} error={}", n.getName(),
                            e.endpoint().getEndpointId(), ex.toString());
                }
            }
        }
        for (LocalSandbox sb : local.sandboxes()) {
            kernel.serveDns(sb);
        }
        // Until the manager's first view: the saved participants, so the tables can refill from peers at once.
        view = ClusterView.newBuilder().addAllNetworks(local.views()).build();
        LOG.info("network agent started sandboxes={} networks={}", local.sandboxes().size(), local.networks().size());
    }

    /** A new cluster view: network participants for the tables, and this node's VTEP. */
    public void onView(ClusterView v) {
        view = v;
        if (v.getNodesCount() > 0 && orphansChecked.compareAndSet(false, true)) {
            scheduleOrphanCheck(1);
        }
        synchronized (this) {
            if (local.views(v)) {
                try {
                    local.save(store);
                } catch (IOException e) {
                    LOG.warn("network views not saved error={}", e.toString());
                }
            }
        }
        TableReplicator r = replicator;
        if (r != null) {
            for (NetworkView nv : v.getNetworksList()) {
                r.participants(nv.getNetwork().getNetworkId(), participants(nv));
            }
        }
    }

    private Set<String> participants(NetworkView nv) {
        Set<String> p = new HashSet<>(nv.getNodeIdsList());
        if (local.hasEndpointsOn(nv.getNetwork().getNetworkId())) {
            p.add(nodeId);
        }
        return p;
    }

    /**
     * Starts the endpoint tables once gossip runs: joins every network with local endpoints and publishes
     * them (with fresh versions that supersede this node's entries from before a restart).
     */
    public synchronized void startReplication(PeerMessenger messenger, ReplicatorConfig config) {
        if (replicator != null) {
            return;
        }
        TableReplicator r = new TableReplicator(nodeId, messenger, config, bridge);
        bridge.replicator(r);
        r.start();
        replicator = r;
        onView(view);
        for (Network n : local.networks()) {
            r.join(n.getNetworkId());
            for (var e : local.endpointsOn(n.getNetworkId())) {
                r.upsert(n.getNetworkId(), e.endpoint().getEndpointId(), kernel.record(e.endpoint()));
            }
        }
        long settle = settings.settle().toMillis();
        timer.schedule(this::settle, settle, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::reconcileQuietly, settle + settings.reconcileEvery().toMillis(),
                settings.reconcileEvery().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void scheduleOrphanCheck(long delaySeconds) {
        try {
            timer.schedule(this::releaseOrphansQuietly, delaySeconds, TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // stopping
        }
    }

    private void releaseOrphansQuietly() {
        try {
            releaseOrphans();
        } catch (RuntimeException e) {
            LOG.warn("orphan check failed, retrying in 5 s error={}", e.toString());
            scheduleOrphanCheck(5);
        }
    }

    /**
     * Once per start: endpoints the manager records for this node that no local sandbox holds (the agent
     * crashed between the manager's allocation and its own save, or the manager missed a detach) are released,
     * so their addresses do not stay taken forever.
     */
    synchronized int releaseOrphans() {
        Set<String> mine = new HashSet<>();
        local.sandboxes().forEach(sb -> sb.getEndpointsList().forEach(e -> mine.add(e.getEndpointId())));
        int released = 0;
        for (var e : api.get().ownEndpoints().getEndpointsList()) {
            if (!mine.contains(e.getEndpointId())) {
                api.get().detach(DetachEndpointRequest.newBuilder().setNetwork(e.getNetworkId())
                        .setEndpointId(e.getEndpointId()).build());
                LOG.info("released orphan endpoint={} network={} address={}", e.getEndpointId(), e.getNetworkId(),
                        e.getAddress());
                released++;
            }
        }
        return released;
    }

    /** Membership said {@code node} is back (Joined). */
    public void memberAlive(String node) {
        Optional.ofNullable(replicator).ifPresent(r -> r.memberAlive(node));
    }

    /** Membership removed {@code node} without a graceful leave. */
    public void memberFailed(String node) {
        Optional.ofNullable(replicator).ifPresent(r -> r.memberFailed(node));
    }

    /** {@code node} left gracefully. */
    public void memberLeft(String node) {
        Optional.ofNullable(replicator).ifPresent(r -> r.memberLeft(node));
    }

    // ---- operator commands ----

    /** {@code network attach NET --name NAME}: a new sandbox namespace NAME with eth0 on NET. */
    public synchronized NetworkAttachResponse attach(NetworkAttachRequest req) throws IOException {
        String name = req.getName();
        Netns ns = named(name);
        if (local.sandbox(name).isPresent()) {
            throw Status.ALREADY_EXISTS.withDescription("sandbox " + name + " already exists; use \"jswarm network "
                    + "connect\" to add it to another network").asRuntimeException();
        }
        if (Files.exists(Netns.IP_NETNS_DIR.resolve(name))) {
            throw Status.ALREADY_EXISTS.withDescription("a network namespace named " + name + " already exists; use "
                    + "\"jswarm network connect NET " + name + "\" to connect it").asRuntimeException();
        }
        return connect(req.getNetwork(), name, ns, true, name, req.getIp(), req.getAliasesList());
    }

    /** {@code network connect NET SANDBOX}: an existing named namespace or a namespace path. */
    public synchronized NetworkAttachResponse connect(NetworkConnectRequest req) throws IOException {
        String ref = req.getSandbox();
        Optional<LocalSandbox> known = local.sandbox(ref);
        if (known.isPresent()) {
            LocalSandbox sb = known.get();
            String dnsName = req.getName().isEmpty() ? LocalState.dnsName(sb) : req.getName();
            return connect(req.getNetwork(), ref, LocalState.netns(sb), sb.getCreated(), dnsName, req.getIp(),
                    req.getAliasesList());
        }
        Netns ns;
        String dnsName = req.getName();
        if (ref.startsWith("/")) {
            ns = Netns.at(Path.of(ref));
            if (dnsName.isEmpty()) {
                throw invalid("--name is required when the sandbox is a namespace path");
            }
        } else {
            ns = named(ref);
            dnsName = dnsName.isEmpty() ? ref : dnsName;
        }
        Path file = ((Netns.AtPath) ns).path();
        if (!Files.exists(file)) {
            throw Status.NOT_FOUND.withDescription("No such sandbox: " + ref + " (no network namespace at " + file + ")")
                    .asRuntimeException();
        }
        return connect(req.getNetwork(), ref, ns, false, dnsName, req.getIp(), req.getAliasesList());
    }

    private NetworkAttachResponse connect(String network, String key, Netns ns, boolean created, String dnsName,
                                          String ip, List<String> aliases) throws IOException {
        if (network.isEmpty()) {
            throw invalid("a network is required");
        }
        Optional<Network> existing = local.resolve(network, view);
        if (existing.isPresent() && local.endpoint(key, existing.get().getNetworkId()).isPresent()) {
            throw Status.ALREADY_EXISTS.withDescription("sandbox " + key + " is already connected to network "
                    + existing.get().getName()).asRuntimeException();
        }
        InetAddress vtep = vtep();
        // Before the manager hands out anything: a runtime's namespace may already have its own eth0.
        String ifName = local.nextIfName(key, created ? java.util.Set.of() : kernel.interfaceNames(ns));
        AttachEndpointResponse a = api.get().attach(AttachEndpointRequest.newBuilder().setNetwork(network)
                .setName(dnsName).addAllAliases(aliases).setRequestedIp(ip).build());
        Network n = a.getNetwork();
        var e = a.getEndpoint();
        LocalEndpoint le = LocalEndpoint.newBuilder().setEndpointId(e.getEndpointId()).setNetworkId(n.getNetworkId())
                .setName(e.getName()).addAllAliases(e.getAliasesList()).setSandbox(key)
                .setIfName(ifName).setIpv4(e.getAddress() + "/" + HostKernel.prefixLength(n))
                .setMac(MacAddress.forIpv4((Inet4Address) IpPrefix.parseAddress(e.getAddress())).toString()).build();
        LocalSandbox sb = local.sandbox(key).orElse(LocalSandbox.newBuilder().setKey(key)
                .setNetns(((Netns.AtPath) ns).path().toString()).setCreated(created).build());
        boolean firstOnNetwork = !local.hasEndpointsOn(n.getNetworkId());
        var before = local.copy();
        try {
            local.vtep(vtep.getHostAddress(), dataPathPort());
            local.put(sb, le, n);
            kernel.ensure(n, sb, le, false);
            local.save(store);
            kernel.serveDns(local.sandbox(key).orElseThrow());
        } catch (IOException | RuntimeException ex) {
            LOG.warn("attach failed, undoing network={} sandbox={} error={}", n.getName(), key, ex.toString());
            kernel.undo(n, sb, le, firstOnNetwork);
            local.restore(before);
            try {
                api.get().detach(DetachEndpointRequest.newBuilder().setNetwork(n.getNetworkId())
                        .setEndpointId(e.getEndpointId()).build());
            } catch (RuntimeException undo) {
                ex.addSuppressed(undo);
            }
            throw ex;
        }
        TableReplicator r = replicator;
        if (r != null) {
            if (firstOnNetwork) {
                view.getNetworksList().stream().filter(v -> v.getNetwork().getNetworkId().equals(n.getNetworkId()))
                        .findFirst().ifPresent(v -> r.participants(n.getNetworkId(), participants(v)));
                r.join(n.getNetworkId());
            }
            r.upsert(n.getNetworkId(), le.getEndpointId(), kernel.record(le));
        }
        LOG.info("endpoint attached network={} sandbox={} endpoint={} ip={}", n.getName(), key, le.getEndpointId(),
                le.getIpv4());
        return NetworkAttachResponse.newBuilder().setNetworkId(n.getNetworkId()).setEndpointId(le.getEndpointId())
                .setSandbox(key).setIfName(le.getIfName()).setIpv4(le.getIpv4()).setMac(le.getMac()).build();
    }

    /** {@code network disconnect NET SANDBOX}. */
    public synchronized NetworkDisconnectResponse disconnect(NetworkDisconnectRequest req) throws IOException {
        LocalSandbox sb = local.sandbox(req.getSandbox()).orElseThrow(() -> Status.NOT_FOUND
                .withDescription("No such sandbox: " + req.getSandbox()).asRuntimeException());
        Network n = local.resolve(req.getNetwork(), view).orElseThrow(() -> Status.NOT_FOUND
                .withDescription("network " + req.getNetwork() + " not found").asRuntimeException());
        LocalEndpoint le = local.endpoint(sb.getKey(), n.getNetworkId()).orElseThrow(() -> Status.FAILED_PRECONDITION
                .withDescription("sandbox " + sb.getKey() + " is not connected to network " + n.getName())
                .asRuntimeException());
        remove(sb, le);
        return NetworkDisconnectResponse.newBuilder().addNetworkIds(n.getNetworkId()).build();
    }

    /** {@code network detach NAME}: every network of the sandbox; a sandbox attach made goes with the last. */
    public synchronized NetworkDisconnectResponse detach(NetworkDetachRequest req) throws IOException {
        LocalSandbox sb = local.sandbox(req.getSandbox()).orElseThrow(() -> Status.NOT_FOUND
                .withDescription("No such sandbox: " + req.getSandbox()).asRuntimeException());
        var out = NetworkDisconnectResponse.newBuilder();
        for (LocalEndpoint le : List.copyOf(sb.getEndpointsList())) {
            remove(local.sandbox(sb.getKey()).orElseThrow(), le);
            out.addNetworkIds(le.getNetworkId());
        }
        return out.build();
    }

    /** Kernel first, then the table, then the manager frees the address: it is never reused while still in use. */
    private void remove(LocalSandbox sb, LocalEndpoint le) throws IOException {
        Network n = local.network(le.getNetworkId()).orElseThrow();
        boolean lastOnNetwork = local.endpointsOn(n.getNetworkId()).size() == 1;
        TableReplicator r = replicator;
        if (r != null) {
            r.delete(n.getNetworkId(), le.getEndpointId());
        }
        kernel.undo(n, sb, le, lastOnNetwork);
        local.removeEndpoint(sb.getKey(), le.getEndpointId());
        local.save(store);
        if (lastOnNetwork && r != null) {
            r.leave(n.getNetworkId());
        }
        Optional<LocalSandbox> left = local.sandbox(sb.getKey());
        if (left.isEmpty()) {
            dns.stop(sb.getKey());
            bridge.sandboxNetworks(sb.getKey(), List.of());
            if (sb.getCreated()) {
                dns.removeResolvConf(sb.getKey());
            }
        } else {
            bridge.sandboxNetworks(sb.getKey(), LocalState.networkIds(left.get()));
        }
        try {
            api.get().detach(DetachEndpointRequest.newBuilder().setNetwork(n.getNetworkId())
                    .setEndpointId(le.getEndpointId()).build());
        } catch (RuntimeException e) {
            // Locally gone already; the manager's record is an orphan the next start's orphan check releases.
            LOG.warn("manager did not release endpoint={} error={}", le.getEndpointId(), e.getMessage());
        }
        LOG.info("endpoint detached network={} sandbox={} endpoint={}", n.getName(), sb.getKey(), le.getEndpointId());
    }

    /** {@code network inspect}: the network as this node sees it. */
    public NetworkInspectResponse inspect(NetworkInspectRequest req) {
        return Inspector.inspect(req.getNetwork(), view, local, replicator);
    }

    /**
     * Once the tables had time to refill after a start: peers adopted from the kernel that no table lists
     * any more (removed while this agent was away) go, then the first reconcile runs.
     */
    private void settle() {
        TableReplicator r = replicator;
        synchronized (this) {
            kernel.retainListed(r);
        }
        reconcileQuietly();
    }

    private void reconcileQuietly() {
        try {
            ReconcileReport report;
            synchronized (this) {
                report = kernel.reconcile();
            }
            lastReconcile = report;
            LOG.info("reconcile done repairs={}{}", report.repairs().size(), report.clean() ? "" : " " + report.repairs());
        } catch (IOException | RuntimeException e) {
            LOG.warn("reconcile failed error={}", e.toString());
        }
    }

    /** The last periodic reconcile's report (empty before the first). */
    public Optional<ReconcileReport> lastReconcile() {
        return Optional.ofNullable(lastReconcile);
    }

    private InetAddress vtep() {
        String addr = view.getNodesList().stream().filter(x -> x.getId().equals(nodeId)).findFirst()
                .map(x -> x.getDataPathAddr().isEmpty() ? x.getAddr() : x.getDataPathAddr()).orElse(local.vtep());
        if (addr.isEmpty()) {
            throw Status.UNAVAILABLE.withDescription("this node's data-path address is not known yet (no cluster view "
                    + "from the manager); try again").asRuntimeException();
        }
        return IpPrefix.parseAddress(addr);
    }

    private int dataPathPort() {
        int p = view.getDataPathPort();
        return p == 0 ? (local.dataPathPort() == 0 ? NetworkSpec.DEFAULT_PORT : local.dataPathPort()) : p;
    }

    private static Netns named(String name) {
        try {
            return Netns.named(name);
        } catch (IllegalArgumentException e) {
            throw invalid("invalid sandbox name \"" + name + "\": 1-64 characters of [A-Za-z0-9_.-], not starting with a dot");
        }
    }

    private static RuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    /** SIGTERM (an upgrade or restart, not a leave): peers keep this node's entries for the grace period. */
    public void announceRestart() {
        Optional.ofNullable(replicator).ifPresent(r -> {
            LOG.info("stopping to restart: peers keep this node's endpoints for the restart grace; the kernel keeps "
                    + "forwarding");
            r.announceRestart(); // the grace is the replicator's (ReplicatorConfig.restartGrace)
        });
    }

    /** Stops tables, DNS and timers; the kernel state stays (live restore). */
    @Override
    public void close() {
        timer.shutdownNow();
        Optional.ofNullable(replicator).ifPresent(TableReplicator::close);
        dns.close();
    }

    /** {@code leave}: this node's sandboxes go (the manager keeps its records until {@code node rm}). */
    public synchronized void teardown() {
        for (LocalSandbox sb : local.sandboxes()) {
            for (LocalEndpoint le : sb.getEndpointsList()) {
                local.network(le.getNetworkId()).ifPresent(n -> kernel.undo(n, sb, le, true));
            }
            if (sb.getCreated()) {
                dns.removeResolvConf(sb.getKey());
            }
        }
        local.clear();
        try {
            local.save(store);
        } catch (IOException e) {
            LOG.warn("sandbox state not cleared error={}", e.toString());
        }
    }
}
