package io.jswarm.agent;

import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.gossip.MemberInfo;
import io.jswarm.gossip.MembershipConfig;
import io.jswarm.gossip.MembershipEvent;
import io.jswarm.gossip.ScalecubeMembership;
import io.jswarm.manager.api.NodeHealth;
import io.jswarm.vxlan.HostPort;
import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.Member;
import io.jswarm.proto.cluster.MembersResponse;
import io.jswarm.proto.cluster.NodeInfo;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's gossip membership (one {@link ScalecubeMembership} on advertise-address:gossip-port, every
 * node, every role). Seeds are the managers' gossip addresses (manager host, same gossip port everywhere);
 * the revocation list is the removed node ids of the cluster view, and a node newly removed is evicted.
 * On a manager it is also a {@link NodeHealth} source: DEAD once membership removed the node, ALIVE once it
 * is a member again, UNKNOWN for nodes it never saw (the session alone decides then). Thread-safe.
 */
final class GossipNode implements NodeHealth, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GossipNode.class);

    private final IdentityKeyManager keys;
    private final int port;
    private final MeterRegistry registry;
    private final Runnable onHealthChange;
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();
    private final Map<String, Liveness> health = new ConcurrentHashMap<>();
    private final AtomicLong joins = new AtomicLong();
    private final AtomicLong removals = new AtomicLong();
    private final AtomicLong suspicionRemovals = new AtomicLong();
    private ScalecubeMembership membership;
    private boolean closed;
    /** Told when membership runs, and of every event after the health rules (the network agent's tables). */
    private volatile java.util.function.Consumer<ScalecubeMembership> onStarted = m -> { };
    private volatile java.util.function.Consumer<MembershipEvent> onEvent = e -> { };

    /**
     * Starts nothing. {@code keys} is the node's one renewable credential (the session's and the manager
     * API's too): gossip handshakes present whatever it holds, so renewals reach 7946 as well. {@code
     * onHealthChange} runs on the membership thread and must not block.
     */
    GossipNode(IdentityKeyManager keys, int port, MeterRegistry registry, Runnable onHealthChange) {
        this.keys = keys;
        this.port = port;
        this.registry = registry;
        this.onHealthChange = onHealthChange;
    }

    /**
     * Binds and joins (once; later calls only update revocations). Failure is logged, not thrown: the node
     * then runs on its session alone, and the next view retries.
     */
    synchronized void start(String advertiseHost, String dataPathHost, Collection<String> seedAddrs,
                            Collection<String> removedIds) {
        revoked.addAll(removedIds);
        if (membership != null || closed) {
            return;
        }
        try {
            InetAddress adv = InetAddress.getByName(advertiseHost);
            InetAddress data = dataPathHost.isEmpty() ? adv : InetAddress.getByName(dataPathHost);
            // host or host:port of the API; gossip listens on the same port on every node
            List<InetSocketAddress> seeds = seedAddrs.stream().map(a -> HostPort.parse(a, 2377).host())
                    .distinct().filter(h -> !h.equals(advertiseHost)).map(h -> new InetSocketAddress(h, port)).toList();
            var m = new ScalecubeMembership(keys, data,
                    MembershipConfig.lan(new InetSocketAddress(adv, port)).withSeeds(seeds), revoked::contains, registry);
            m.addListener(this::onEvent);
            m.start();
            membership = m;
            try {
                onStarted.accept(m);
            } catch (RuntimeException e) {
                // Membership runs regardless: node health must not depend on the tables.
                LOG.error("endpoint tables not started error={}", e.toString(), e);
            }
            // Including this node, unlike jswarm.membership.members (the others): what `node ls` counts.
            io.micrometer.core.instrument.Gauge.builder("jswarm.membership.size", m, x -> x.members().size() + 1)
                    .description("Members this node sees, itself included").register(registry);
            m.members().keySet().forEach(id -> health.put(id, Liveness.ALIVE));
            LOG.info("gossip started addr={}:{} seeds={}", advertiseHost, port, seeds);
        } catch (UnknownHostException | RuntimeException e) {
            LOG.warn("gossip not started addr={}:{} error={}", advertiseHost, port, e.toString());
            removeMeters(); // a failed start may have registered meters bound to a dead instance
        }
    }

    /** A worker starts from the first view the manager pushes: it carries this node's own address. */
    void onView(ClusterView v) {
        NodeInfo me = v.getNodesList().stream().filter(n -> n.getId().equals(keys.identity().nodeId())).findFirst().orElse(null);
        if (me != null && !me.getAddr().isEmpty()) {
            start(me.getAddr(), me.getDataPathAddr(), v.getManagerAddrsList(), List.of());
        }
        revoke(v.getRemovedNodeIdsList());
    }

    /** Refuses {@code ids} at every handshake from now on and drops them from the membership at once. */
    void revoke(Collection<String> ids) {
        ScalecubeMembership m;
        synchronized (this) {
            m = membership;
        }
        for (String id : ids) {
            if (revoked.add(id) && m != null) {
                m.evict(id);
            }
        }
    }

    // package-private: the health rules are unit-tested without a network
    void onEvent(MembershipEvent e) {
        String id = e.member().nodeId();
        Liveness next = switch (e) {
            case MembershipEvent.Joined j -> {
                joins.incrementAndGet();
                yield Liveness.ALIVE;
            }
            case MembershipEvent.Updated u -> Liveness.ALIVE;
            case MembershipEvent.Leaving l -> null; // Removed follows; the session says more meanwhile
            case MembershipEvent.Removed r -> {
                removals.incrementAndGet();
                if (r.cause() == MembershipEvent.Cause.SUSPICION_TIMEOUT) {
                    suspicionRemovals.incrementAndGet();
                }
                LOG.info("gossip removed node={} cause={}", id, r.cause());
                yield Liveness.DEAD;
            }
        };
        if (next != null && health.put(id, next) != next) {
            onHealthChange.run();
        }
        onEvent.accept(e);
    }

    /** Set before {@link #start}: called once membership runs, then with every membership event. */
    void forward(java.util.function.Consumer<ScalecubeMembership> started, java.util.function.Consumer<MembershipEvent> events) {
        this.onStarted = started;
        this.onEvent = events;
    }

    @Override
    public Liveness liveness(String nodeId) {
        return health.getOrDefault(nodeId, Liveness.UNKNOWN);
    }

    /** This node's view, for the local API ({@code jswarm node members}). */
    MembersResponse describe() {
        ScalecubeMembership m;
        synchronized (this) {
            m = membership;
        }
        var b = MembersResponse.newBuilder().setJoins(joins.get()).setRemovals(removals.get())
                .setSuspicionRemovals(suspicionRemovals.get());
        if (m == null) {
            return b.build();
        }
        b.setRunning(true).setSelf(member(m.self()));
        m.members().values().stream().sorted(Comparator.comparing(MemberInfo::nodeId)).map(GossipNode::member)
                .forEach(b::addMembers);
        return b.build();
    }

    private static Member member(MemberInfo i) {
        return Member.newBuilder().setNodeId(i.nodeId())
                .setRole(i.role() == io.jswarm.encryption.Role.MANAGER ? io.jswarm.proto.state.Role.ROLE_MANAGER
                        : io.jswarm.proto.state.Role.ROLE_WORKER)
                .setDataPathAddr(i.dataAddress().getHostAddress())
                .setGossipAddr(new HostPort(i.gossipAddress().getAddress().getHostAddress(), i.gossipAddress().getPort()).toString())
                .setVersion(i.version()).build();
    }

    /** Graceful leave (peers see Leaving, then Removed with cause LEFT). Idempotent. */
    @Override
    public void close() {
        ScalecubeMembership m;
        synchronized (this) {
            closed = true;
            m = membership;
            membership = null;
        }
        if (m != null) {
            m.stop();
            removeMeters();
        }
    }

    /** The registry outlives this node (leave, then join again): meters bound to a stopped instance must go. */
    private void removeMeters() {
        registry.getMeters().stream().filter(x -> x.getId().getName().startsWith("jswarm.gossip.")
                || x.getId().getName().startsWith("jswarm.membership.")).toList().forEach(registry::remove);
    }
}
