package io.jswarm.agent.net;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.vxlan.HostPort;
import io.jswarm.manager.tls.Tls;
import io.jswarm.proto.cluster.AttachEndpointRequest;
import io.jswarm.proto.cluster.AttachEndpointResponse;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.DetachEndpointRequest;
import io.jswarm.proto.cluster.DispatcherGrpc;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.ListNetworksResponse;
import io.jswarm.proto.cluster.NetworkResponse;
import io.jswarm.proto.cluster.OwnEndpointsRequest;
import io.jswarm.proto.cluster.OwnEndpointsResponse;
import io.jswarm.proto.cluster.PruneNetworksRequest;
import io.jswarm.proto.cluster.PruneNetworksResponse;
import io.jswarm.proto.cluster.ReleaseNodeEndpointsRequest;
import io.jswarm.proto.cluster.RemoveNetworkRequest;
import io.jswarm.proto.cluster.RemoveNetworkResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * {@link ClusterApi} on a worker: the manager's Dispatcher over mutual TLS, with this node's identity (the
 * same key manager as the session, so a renewed certificate is used at once). One channel, made on the
 * first call and kept; when a manager is unavailable the next address is tried. Every call has a deadline.
 */
public final class RemoteClusterApi implements ClusterApi, AutoCloseable {
    /** The largest answer taken from the manager (a {@code network ls} of ~4000 networks at the label limit). */
    public static final int MAX_ANSWER_BYTES = 64 * 1024 * 1024;

    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

    private final Supplier<List<String>> managers;
    private final IdentityKeyManager keys;
    private final Supplier<Duration> deadline;
    private ManagedChannel channel;
    private int next;
    private boolean closed;

    /** {@code managers} is read at each (re)connect: the latest view's manager addresses. */
    public RemoteClusterApi(Supplier<List<String>> managers, IdentityKeyManager keys, Duration deadline) {
        this(managers, keys, () -> deadline);
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive");
        }
    }

    /**
     * {@code deadline} is read at each call: the daemon gives a manager its session has lost only a short one,
     * so an operator learns at once that the manager is unreachable ({@link ManagerUnreachable}).
     */
    public RemoteClusterApi(Supplier<List<String>> managers, IdentityKeyManager keys, Supplier<Duration> deadline) {
        this.managers = managers;
        this.keys = keys;
        this.deadline = deadline;
    }

    @Override
    public NetworkResponse createNetwork(CreateNetworkRequest request) {
        return call(s -> s.createNetwork(request));
    }

    @Override
    public RemoveNetworkResponse removeNetwork(RemoveNetworkRequest request) {
        return call(s -> s.removeNetwork(request));
    }

    @Override
    public PruneNetworksResponse pruneNetworks() {
        return call(s -> s.pruneNetworks(PruneNetworksRequest.getDefaultInstance()));
    }

    @Override
    public ListNetworksResponse listNetworks(ListNetworksRequest request) {
        return call(s -> s.listNetworks(request));
    }

    @Override
    public AttachEndpointResponse attach(AttachEndpointRequest request) {
        return call(s -> s.attachEndpoint(request));
    }

    @Override
    public void detach(DetachEndpointRequest request) {
        call(s -> s.detachEndpoint(request));
    }

    @Override
    public OwnEndpointsResponse ownEndpoints() {
        return call(s -> s.ownEndpoints(OwnEndpointsRequest.getDefaultInstance()));
    }

    @Override
    public OwnEndpointsResponse ownEndpoints(OwnEndpointsRequest request) {
        return call(s -> s.ownEndpoints(request));
    }

    @Override
    public io.jswarm.proto.cluster.LeaseGrantResponse leaseGrant(io.jswarm.proto.cluster.LeaseGrantRequest request) {
        return call(s -> s.leaseGrant(request));
    }

    @Override
    public io.jswarm.proto.cluster.LeaseClaimResponse leaseClaim(io.jswarm.proto.cluster.LeaseClaimRequest request) {
        return call(s -> s.leaseClaim(request));
    }

    @Override
    public io.jswarm.proto.cluster.LeaseReturnResponse leaseReturn(io.jswarm.proto.cluster.LeaseReturnRequest request) {
        return call(s -> s.leaseReturn(request));
    }

    @Override
    public void releaseOwnEndpoints() {
        call(s -> s.releaseNodeEndpoints(ReleaseNodeEndpointsRequest.getDefaultInstance()));
    }

    @Override
    public boolean requestKeyRotation(int generation) {
        return call(s -> s.requestKeyRotation(io.jswarm.proto.cluster.RequestKeyRotationRequest.newBuilder()
                .setGeneration(generation).build())).getStarted();
    }

    /**
     * Runs {@code rpc}, moving to the next manager while the current one is UNAVAILABLE (refused connection,
     * closed transport): with one manager per cluster that failure comes before the request is processed.
     */
    private <T> T call(Function<DispatcherGrpc.DispatcherBlockingStub, T> rpc) {
        int attempts = Math.max(1, managers.get().size());
        StatusRuntimeException last = null;
        StatusRuntimeException noLeader = null;
        for (int i = 0; i < attempts; i++) {
            ManagedChannel ch = channel();
            Duration limit = deadline.get();
            try {
                return rpc.apply(DispatcherGrpc.newBlockingStub(ch).withDeadlineAfter(limit.toMillis(), TimeUnit.MILLISECONDS));
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
                    throw ManagerUnreachable.silent(managers.get(), limit); // maybe processed: no retry elsewhere
                }
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                    throw e;
                }
                last = e;
                if (isNoLeader(e.getStatus())) {
                    noLeader = e; // a manager answered: it has no quorum (issue 12); another one may have
                }
                drop(ch);
            }
        }
        if (noLeader != null) {
            throw noLeader; // reached, but the swarm has no leader: say that, not "unreachable"
        }
        throw ManagerUnreachable.refused(managers.get(), last.getStatus());
    }

    /** Docker's no-leader text, as a manager without a quorum answers a write (StateStore.NoQuorumException). */
    public static boolean isNoLeader(Status s) {
        return s.getDescription() != null && s.getDescription().startsWith("The swarm does not have a leader");
    }

    private synchronized ManagedChannel channel() {
        if (closed) {
            throw Status.UNAVAILABLE.withDescription("this node is leaving the swarm").asRuntimeException();
        }
        if (channel == null) {
            List<String> addrs = managers.get();
            if (addrs.isEmpty()) {
                throw Status.UNAVAILABLE.withDescription("no manager address known").asRuntimeException();
            }
            HostPort hp = HostPort.parse(addrs.get(next++ % addrs.size()), 2377);
            try {
                channel = NettyChannelBuilder.forAddress(hp.host(), hp.port())
                        .sslContext(Tls.client(keys, keys.identity().root())).overrideAuthority(Tls.MANAGER_AUTHORITY)
                        // ListNetworks is one answer holding every network (not paged yet, unlike the view):
                        // accept what NetworkLabels' bounds allow for thousands of networks, not gRPC's 4 MiB.
                        .maxInboundMessageSize(MAX_ANSWER_BYTES).build();
            } catch (SSLException e) {
                throw Status.INTERNAL.withDescription("cannot set up TLS to the manager: " + e.getMessage()).asRuntimeException();
            }
        }
        return channel;
    }

    /** Forgets {@code ch} if it is still the current channel, so the next call connects to the next manager. */
    private synchronized void drop(ManagedChannel ch) {
        if (channel == ch) {
            channel = null;
        }
        ch.shutdownNow();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (channel != null) {
            channel.shutdownNow();
            channel = null;
        }
    }
}
