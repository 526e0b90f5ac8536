package io.jswarm.manager.api;

import io.grpc.MethodDescriptor;
import io.jswarm.proto.cluster.AttachEndpointRequest;
import io.jswarm.proto.cluster.AttachEndpointResponse;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.DetachEndpointRequest;
import io.jswarm.proto.cluster.DispatcherGrpc;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.ListNetworksResponse;
import io.jswarm.proto.cluster.NetworkResponse;
import io.jswarm.proto.cluster.OwnEndpointsResponse;
import io.jswarm.proto.cluster.PruneNetworksResponse;
import io.jswarm.proto.cluster.ReleaseNodeEndpointsResponse;
import io.jswarm.proto.cluster.RemoveNetworkRequest;
import io.jswarm.proto.cluster.RemoveNetworkResponse;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's network API for one caller: the one door both the Dispatcher (remote nodes, the caller
 * from their TLS certificate) and the manager's own node (in process, the caller from its own
 * certificate, {@link ManagerNode#self}) go through. Every call is first decided by {@link Authorizer}
 * for its Dispatcher method, exactly as {@link AuthInterceptor} decides a remote call, so the manager's
 * node has no rights a remote node with the same certificate would not have.
 */
public final class ManagerApi {
    private static final Logger LOG = LoggerFactory.getLogger(ManagerApi.class);

    private final ManagerNode manager;
    private final Networks networks;
    private final LeaseApi leases;

    ManagerApi(ManagerNode manager, Networks networks) {
        this.manager = manager;
        this.networks = networks;
        this.leases = new LeaseApi(manager);
    }

    /** {@code network create} (managers only): the manager picks the id and creation time; the state the rest. */
    public NetworkResponse createNetwork(Caller caller, CreateNetworkRequest req) {
        authorize(caller, DispatcherGrpc.getCreateNetworkMethod());
        return networks.create(req);
    }

    /** {@code network rm} (managers only) by id, unique id prefix or name; refused while endpoints are attached. */
    public RemoveNetworkResponse removeNetwork(Caller caller, RemoveNetworkRequest req) {
        authorize(caller, DispatcherGrpc.getRemoveNetworkMethod());
        return networks.remove(req);
    }

    public PruneNetworksResponse pruneNetworks(Caller caller) {
        authorize(caller, DispatcherGrpc.getPruneNetworksMethod());
        return networks.prune();
    }

    public ListNetworksResponse listNetworks(Caller caller, ListNetworksRequest req) {
        authorize(caller, DispatcherGrpc.getListNetworksMethod());
        return networks.list(req);
    }

    /** An endpoint owned by the caller, on an attachable network only (whoever calls). */
    public AttachEndpointResponse attach(Caller caller, AttachEndpointRequest req) {
        authorize(caller, DispatcherGrpc.getAttachEndpointMethod());
        return networks.attach(caller.nodeId(), Authorizer.actsAsManager(caller, manager.table()), req);
    }

    /** A node detaches its own endpoints; a manager any. */
    public void detach(Caller caller, DetachEndpointRequest req) {
        authorize(caller, DispatcherGrpc.getDetachEndpointMethod());
        networks.detach(caller.nodeId(), Authorizer.actsAsManager(caller, manager.table()), req);
    }

    /** The endpoints the manager records for the caller, and their networks. */
    public OwnEndpointsResponse ownEndpoints(Caller caller) {
        return ownEndpoints(caller, io.jswarm.proto.cluster.OwnEndpointsRequest.getDefaultInstance());
    }

    /** The same, with the addresses leased to the caller (their grants naming {@code req.owner_key}). */
    public OwnEndpointsResponse ownEndpoints(Caller caller, io.jswarm.proto.cluster.OwnEndpointsRequest req) {
        authorize(caller, DispatcherGrpc.getOwnEndpointsMethod());
        var read = manager.store().read();
        var s = read.view();
        var out = Networks.ownEndpoints(s, caller.nodeId()).toBuilder().setPossiblyStale(read.possiblyStale())
                .addAllLeases(leases.held(s, caller.nodeId(), req.getOwnerKey()));
        java.util.Set<String> listed = new java.util.HashSet<>();
        out.getNetworksList().forEach(n -> listed.add(n.getNetworkId()));
        s.leasesOf(caller.nodeId()).forEach(l -> {
            if (listed.add(l.getNetworkId())) {
                s.network(l.getNetworkId()).ifPresent(out::addNetworks);
            }
        });
        return out.build();
    }

    /** Issue 12: more addresses leased to the caller on an attachable network (whoever calls). */
    public io.jswarm.proto.cluster.LeaseGrantResponse leaseGrant(Caller caller, io.jswarm.proto.cluster.LeaseGrantRequest req) {
        authorize(caller, DispatcherGrpc.getLeaseGrantMethod());
        return leases.grant(caller.nodeId(), Authorizer.actsAsManager(caller, manager.table()), req);
    }

    /** Issue 12: one of the caller's own leased addresses becomes its endpoint (no node claims another's). */
    public io.jswarm.proto.cluster.LeaseClaimResponse leaseClaim(Caller caller, io.jswarm.proto.cluster.LeaseClaimRequest req) {
        authorize(caller, DispatcherGrpc.getLeaseClaimMethod());
        return leases.claim(caller.nodeId(), req);
    }

    /** Issue 12: the caller gives back addresses leased to it (only its own). */
    public io.jswarm.proto.cluster.LeaseReturnResponse leaseReturn(Caller caller, io.jswarm.proto.cluster.LeaseReturnRequest req) {
        authorize(caller, DispatcherGrpc.getLeaseReturnMethod());
        return leases.giveBack(caller.nodeId(), req);
    }

    /** Releases every endpoint the caller owns (its {@code leave}); no one can release another node's. */
    public ReleaseNodeEndpointsResponse releaseOwnEndpoints(Caller caller) {
        authorize(caller, DispatcherGrpc.getReleaseNodeEndpointsMethod());
        return networks.releaseNodeEndpoints(caller.nodeId());
    }

    /** {@code network rotate-keys} (managers only): a new key generation now, make-before-break. */
    public io.jswarm.proto.cluster.RotateDataKeysResponse rotateDataKeys(Caller caller,
                                                                         io.jswarm.proto.cluster.RotateDataKeysRequest req) {
        authorize(caller, DispatcherGrpc.getRotateDataKeysMethod());
        int generation = manager.keyService().rotate();
        LOG.info("key rotation started by node={} generation={}", caller.nodeId(), generation);
        return io.jswarm.proto.cluster.RotateDataKeysResponse.newBuilder().setGeneration(generation).build();
    }

    /**
     * Any node: one of its SAs of {@code req.generation} reached its soft limit (XFRM expire). Starts a
     * rotation only for the primary generation and at most once per spacing period, whoever asks.
     */
    public io.jswarm.proto.cluster.RequestKeyRotationResponse requestKeyRotation(Caller caller,
                                                                                 io.jswarm.proto.cluster.RequestKeyRotationRequest req) {
        authorize(caller, DispatcherGrpc.getRequestKeyRotationMethod());
        return io.jswarm.proto.cluster.RequestKeyRotationResponse.newBuilder()
                .setStarted(manager.keyService().volume(caller.nodeId(), req.getGeneration())).build();
    }

    private void authorize(Caller caller, MethodDescriptor<?, ?> method) {
        if (Authorizer.decide(method.getFullMethodName(), Optional.of(caller), manager.table())
                instanceof Authorizer.Decision.Deny d) {
            LOG.warn("call refused method={} node={} code={} reason=\"{}\"", method.getFullMethodName(),
                    caller.nodeId(), d.status().getCode(), d.status().getDescription());
            throw d.status().asRuntimeException();
        }
    }
}
