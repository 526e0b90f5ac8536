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

/** {@link ClusterApi} on a manager: the manager's own methods, in process, acting as the manager's node. */
public final class LocalClusterApi implements ClusterApi {
    private final ManagerNode manager;

    public LocalClusterApi(ManagerNode manager) {
        this.manager = manager;
    }

    @Override
    public NetworkResponse createNetwork(CreateNetworkRequest request) {
        return manager.createNetwork(request);
    }

    @Override
    public RemoveNetworkResponse removeNetwork(RemoveNetworkRequest request) {
        return manager.removeNetwork(request);
    }

    @Override
    public PruneNetworksResponse pruneNetworks() {
        return manager.pruneNetworks();
    }

    @Override
    public ListNetworksResponse listNetworks(ListNetworksRequest request) {
        return manager.listNetworks(request);
    }

    @Override
    public AttachEndpointResponse attach(AttachEndpointRequest request) {
        return manager.attachEndpoint(manager.nodeId(), true, request);
    }

    @Override
    public void detach(DetachEndpointRequest request) {
        manager.detachEndpoint(manager.nodeId(), true, request);
    }

    @Override
    public OwnEndpointsResponse ownEndpoints() {
        return manager.ownEndpoints(manager.nodeId());
    }
}
