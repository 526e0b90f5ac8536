package io.jswarm.agent.net;

import io.jswarm.proto.cluster.AttachEndpointRequest;
import io.jswarm.proto.cluster.AttachEndpointResponse;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.DetachEndpointRequest;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.ListNetworksResponse;
import io.jswarm.proto.cluster.NetworkResponse;
import io.jswarm.proto.cluster.OwnEndpointsResponse;
import io.jswarm.proto.cluster.PruneNetworksResponse;
import io.jswarm.proto.cluster.RemoveNetworkRequest;
import io.jswarm.proto.cluster.RemoveNetworkResponse;

/**
 * The manager's network API as this node calls it: in-process on a manager, over the mutual-TLS
 * Dispatcher on a worker. Every call acts as this node (the endpoint owner) and is authorised alike on
 * both paths (the manager's own node has no extra rights). Failures are gRPC
 * {@code StatusRuntimeException}s with a one-line description the CLI prints as is.
 */
public interface ClusterApi {
    NetworkResponse createNetwork(CreateNetworkRequest request);

    RemoveNetworkResponse removeNetwork(RemoveNetworkRequest request);

    PruneNetworksResponse pruneNetworks();

    ListNetworksResponse listNetworks(ListNetworksRequest request);

    AttachEndpointResponse attach(AttachEndpointRequest request);

    void detach(DetachEndpointRequest request);

    /** The endpoints the manager records for this node, and their networks. */
    OwnEndpointsResponse ownEndpoints();

    /**
     * Releases every endpoint the manager records for this node, on every network, at once ({@code leave}:
     * a node that joins again can reuse its sandbox names without {@code node rm}). Only this node's own.
     */
    void releaseOwnEndpoints();

    /**
     * Issue 11: one of this node's ESP SAs of {@code generation} reached a soft limit (XFRM expire); the manager
     * starts a rotation unless one is under way or ran less than a minute ago. True if it started one.
     */
    boolean requestKeyRotation(int generation);

    /** The same with this node's address leases, their grants naming {@code request.owner_key} (issue 12). */
    default OwnEndpointsResponse ownEndpoints(io.jswarm.proto.cluster.OwnEndpointsRequest request) {
        return ownEndpoints();
    }

    /** Issue 12: more addresses leased to this node on an attachable network; the answer lists all it holds there. */
    default io.jswarm.proto.cluster.LeaseGrantResponse leaseGrant(io.jswarm.proto.cluster.LeaseGrantRequest request) {
        throw io.grpc.Status.UNIMPLEMENTED.withDescription("address leases are not served here").asRuntimeException();
    }

    /** Issue 12: one of this node's leased addresses becomes its endpoint. */
    default io.jswarm.proto.cluster.LeaseClaimResponse leaseClaim(io.jswarm.proto.cluster.LeaseClaimRequest request) {
        throw io.grpc.Status.UNIMPLEMENTED.withDescription("address leases are not served here").asRuntimeException();
    }

    /** Issue 12: gives leased addresses back. */
    default io.jswarm.proto.cluster.LeaseReturnResponse leaseReturn(io.jswarm.proto.cluster.LeaseReturnRequest request) {
        throw io.grpc.Status.UNIMPLEMENTED.withDescription("address leases are not served here").asRuntimeException();
    }
}
