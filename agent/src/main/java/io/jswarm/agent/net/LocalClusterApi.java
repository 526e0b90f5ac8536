package io.jswarm.agent.net;

import io.jswarm.manager.api.ManagerNode;
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
 * {@link ClusterApi} on a manager: in process, through the same authorised door as the Dispatcher's remote
 * callers ({@code ManagerApi}), with the caller taken from the manager node's own current certificate.
 */
public final class LocalClusterApi implements ClusterApi {
    private final ManagerNode manager;

    public LocalClusterApi(ManagerNode manager) {
        this.manager = manager;
    }

    @Override
    public NetworkResponse createNetwork(CreateNetworkRequest request) {
        return manager.api().createNetwork(manager.self(), request);
    }

    @Override
    public RemoveNetworkResponse removeNetwork(RemoveNetworkRequest request) {
        return manager.api().removeNetwork(manager.self(), request);
    }

    @Override
    public PruneNetworksResponse pruneNetworks() {
        return manager.api().pruneNetworks(manager.self());
    }

    @Override
    public ListNetworksResponse listNetworks(ListNetworksRequest request) {
        return manager.api().listNetworks(manager.self(), request);
    }

    @Override
    public AttachEndpointResponse attach(AttachEndpointRequest request) {
        return manager.api().attach(manager.self(), request);
    }

    @Override
    public void detach(DetachEndpointRequest request) {
        manager.api().detach(manager.self(), request);
    }

    @Override
    public OwnEndpointsResponse ownEndpoints() {
        return manager.api().ownEndpoints(manager.self());
    }

    @Override
    public OwnEndpointsResponse ownEndpoints(io.jswarm.proto.cluster.OwnEndpointsRequest request) {
        return manager.api().ownEndpoints(manager.self(), request);
    }

    @Override
    public io.jswarm.proto.cluster.LeaseGrantResponse leaseGrant(io.jswarm.proto.cluster.LeaseGrantRequest request) {
        return manager.api().leaseGrant(manager.self(), request);
    }

    @Override
    public io.jswarm.proto.cluster.LeaseClaimResponse leaseClaim(io.jswarm.proto.cluster.LeaseClaimRequest request) {
        return manager.api().leaseClaim(manager.self(), request);
    }

    @Override
    public io.jswarm.proto.cluster.LeaseReturnResponse leaseReturn(io.jswarm.proto.cluster.LeaseReturnRequest request) {
        return manager.api().leaseReturn(manager.self(), request);
    }

    @Override
    public void releaseOwnEndpoints() {
        manager.api().releaseOwnEndpoints(manager.self());
    }

    @Override
    public boolean requestKeyRotation(int generation) {
        return manager.api().requestKeyRotation(manager.self(),
                io.jswarm.proto.cluster.RequestKeyRotationRequest.newBuilder().setGeneration(generation).build())
                .getStarted();
    }
}
