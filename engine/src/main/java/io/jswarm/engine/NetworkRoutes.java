package io.jswarm.engine;

import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.NetworkConnectRequest;
import io.jswarm.proto.cluster.NetworkDetail;
import io.jswarm.proto.cluster.NetworkDisconnectRequest;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.PruneNetworksRequest;
import io.jswarm.proto.cluster.RemoveNetworkRequest;
import io.jswarm.proto.state.CreateNetwork;
import io.jswarm.proto.state.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Network routes. A network is a jswarm overlay (driver overlay, scope swarm); a "container" in connect and
 * disconnect is a jswarm sandbox name (a named network namespace) or a namespace path.
 */
final class NetworkRoutes {
    private static final long FAST = 30;
    /** connect and disconnect may wait for the manager's first view and the kernel (the CLI allows 2 minutes). */
    private static final long SLOW = 120;
    private static final Set<String> FILTERS = Set.of("name", "id", "driver", "scope", "label", "type", "dangling");
    private final DockerApi api;

    NetworkRoutes(DockerApi api) {
        this.api = api;
    }

    List<Route> routes() {
        return List.of(
                Route.of("GET", "/networks", (r, g) -> list(r)),
                Route.of("POST", "/networks/create", (r, g) -> create(DockerApi.body(r))),
                Route.of("POST", "/networks/prune", (r, g) -> prune(r)),
                Route.of("GET", "/networks/([^/]+)", (r, g) -> inspect(g.getFirst())),
                Route.of("DELETE", "/networks/([^/]+)", (r, g) -> {
                    api.call(FAST, s -> s.networkRemove(RemoveNetworkRequest.newBuilder().setNetwork(g.getFirst()).build()));
                    return HttpResponse.empty(204);
                }),
                Route.of("POST", "/networks/([^/]+)/connect", (r, g) -> connect(g.getFirst(), DockerApi.body(r))),
                Route.of("POST", "/networks/([^/]+)/disconnect", (r, g) -> disconnect(g.getFirst(), DockerApi.body(r))));
    }

    private HttpResponse list(HttpRequest r) {
        Filters f = Filters.parse(r.param("filters", ""), FILTERS);
        List<Object> out = new ArrayList<>();
        for (NetworkDetail d : api.call(FAST, s -> s.networkList(ListNetworksRequest.getDefaultInstance())).getNetworksList()) {
            Network n = d.getNetwork();
            if (f.matches((k, v) -> switch (k) {
                case "name" -> n.getName().contains(v);
                case "id" -> n.getNetworkId().contains(v);
                case "driver" -> v.equals("overlay");
                case "scope" -> v.equals("swarm");
                case "type" -> v.equals("custom");
                case "dangling" -> v.equals("true") == d.getEndpointsList().isEmpty();
                default -> Filters.label(v, n.getLabelsMap());
            })) {
                out.add(DockerShapes.network(n, null));
            }
        }
        return HttpResponse.json(200, out);
    }

    private HttpResponse inspect(String ref) {
        var resp = api.call(FAST, s -> s.networkInspect(NetworkInspectRequest.newBuilder().setNetwork(ref).build()));
        return HttpResponse.json(200, DockerShapes.network(resp.getNetwork(), resp));
    }

    private HttpResponse create(Map<String, Object> b) {
        String name = DockerApi.str(b, "Name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("network name is required");
        }
        String driver = DockerApi.str(b, "Driver");
        if (DockerApi.bool(b, "Ingress")) {
            return HttpResponse.error(501, "jswarm does not implement ingress networks");
        }
        if (DockerApi.bool(b, "EnableIPv6")) {
            return HttpResponse.error(501, "jswarm does not implement IPv6 networks");
        }
        if (DockerApi.bool(b, "ConfigOnly") || !DockerApi.obj(b, "ConfigFrom").isEmpty()) {
            return HttpResponse.error(501, "jswarm does not implement config-only networks");
        }
        String scope = DockerApi.str(b, "Scope");
        if (!scope.isEmpty() && !scope.equals("swarm")) {
            throw new IllegalArgumentException("jswarm networks are swarm-scoped, not " + scope);
        }
        CreateNetwork.Builder spec = CreateNetwork.newBuilder().setName(name)
                .setInternal(DockerApi.bool(b, "Internal")).setAttachable(DockerApi.bool(b, "Attachable"));
        Map<String, Object> ipam = DockerApi.obj(b, "IPAM");
        String ipamDriver = DockerApi.str(ipam, "Driver");
        if (!ipamDriver.isEmpty() && !ipamDriver.equals("default")) {
            throw new IllegalArgumentException("jswarm supports only the default IPAM driver, not " + ipamDriver);
        }
        List<Object> configs = DockerApi.list(ipam, "Config");
        if (configs.size() > 1) {
            throw new IllegalArgumentException("jswarm networks have one IPv4 subnet, " + configs.size() + " given");
        }
        if (!configs.isEmpty()) {
            if (!(configs.getFirst() instanceof Map<?, ?>)) {
                throw new IllegalArgumentException("IPAM Config entries must be objects");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) configs.getFirst();
            if (!DockerApi.obj(c, "AuxiliaryAddresses").isEmpty()) {
                return HttpResponse.error(501, "jswarm does not implement auxiliary addresses");
            }
            spec.setSubnet(DockerApi.str(c, "Subnet")).setGateway(DockerApi.str(c, "Gateway"))
                    .setIpRange(DockerApi.str(c, "IPRange"));
        }
        for (var e : DockerApi.obj(b, "Options").entrySet()) {
            String value = e.getValue() instanceof String s ? s : String.valueOf(e.getValue());
            switch (e.getKey()) {
                case "encrypted" -> spec.setEncrypted(!value.equals("false"));
                case DockerShapes.MTU_OPTION -> {
                    try {
                        spec.setMtu(Integer.parseUnsignedInt(value));
                    } catch (NumberFormatException ex) {
                        throw new IllegalArgumentException("invalid MTU value: " + value);
                    }
                }
                default -> throw new IllegalArgumentException("jswarm does not support network option " + e.getKey());
            }
        }
        for (var e : DockerApi.obj(b, "Labels").entrySet()) {
            if (!(e.getValue() instanceof String v)) {
                throw new IllegalArgumentException("label " + e.getKey() + " must be a string");
            }
            spec.putLabels(e.getKey(), v);
        }
        CreateNetworkRequest req = CreateNetworkRequest.newBuilder().setSpec(spec).setDriver(driver).build();
        Network n = api.call(FAST, s -> s.networkCreate(req)).getNetwork();
        return HttpResponse.json(201, Map.of("Id", n.getNetworkId(), "Warning", ""));
    }

    private HttpResponse prune(HttpRequest r) {
        Filters.parse(r.param("filters", ""), Set.of()); // jswarm prunes unused networks only; filters refused
        List<String> names = api.call(FAST, s -> s.networkPrune(PruneNetworksRequest.getDefaultInstance())).getNamesList();
        return HttpResponse.json(200, Map.of("NetworksDeleted", List.copyOf(names)));
    }

    private HttpResponse connect(String network, Map<String, Object> b) {
        String container = DockerApi.str(b, "Container");
        if (container.isEmpty()) {
            throw new IllegalArgumentException("Container is required");
        }
        Map<String, Object> ep = DockerApi.obj(b, "EndpointConfig");
        String ip = DockerApi.str(DockerApi.obj(ep, "IPAMConfig"), "IPv4Address");
        NetworkConnectRequest req = NetworkConnectRequest.newBuilder().setNetwork(network).setSandbox(container)
                .setIp(ip).addAllAliases(DockerApi.strings(ep, "Aliases")).build();
        api.call(SLOW, s -> s.networkConnect(req));
        return HttpResponse.empty(200);
    }

    private HttpResponse disconnect(String network, Map<String, Object> b) {
        String container = DockerApi.str(b, "Container");
        if (container.isEmpty()) {
            throw new IllegalArgumentException("Container is required");
        }
        DockerApi.bool(b, "Force");
        api.call(SLOW, s -> s.networkDisconnect(NetworkDisconnectRequest.newBuilder().setNetwork(network)
                .setSandbox(container).build()));
        return HttpResponse.empty(200);
    }
}
