package io.jswarm.vxlan;

import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.kernel.KernelChange.ReplaceRoute;
import io.jswarm.vxlan.kernel.Route;
import java.io.IOException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of a sandbox's endpoints carries its default route (at most one per address family), and handing the
 * route on when that endpoint goes, as Docker does when the network with the default route is disconnected.
 *
 * <p>The heir is the remaining endpoint of the same sandbox (same {@link Netns}) and family that was ensured
 * earliest ({@link EndpointState#ensured()}). Docker orders a sandbox's endpoints by network name; the data
 * plane knows no names, and the oldest connection is as predictable for an operator, stable across reconciles
 * and, as the agent restores endpoints in the order it saved them, across restarts too. Called under the data
 * plane's lock.
 */
final class DefaultRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultRoutes.class);
    private final Kernel kernel;
    private final EndpointConverger endpoints;

    DefaultRoutes(Kernel kernel, EndpointConverger endpoints) {
        this.kernel = kernel;
        this.endpoints = endpoints;
    }

    /**
     * Whether a new endpoint owns the default route of its family: the sandbox has none yet, or the one it has
     * is exactly this endpoint's ({@code via} its gateway {@code dev} its interface: a restarted agent ensuring
     * again what it made, which must keep owning the route so that a later removal still hands it on).
     */
    boolean claims(EndpointSpec spec, NetworkSpec net) throws IOException {
        if (!endpoints.sandboxExists(spec.sandbox())) {
            return true;
        }
        List<Route> defaults = defaults(spec.sandbox(), spec.address());
        return defaults.isEmpty() || defaults.contains(Route.defaultVia(net.gateway().address(), spec.ifName()));
    }

    /**
     * After the owner {@code gone} was removed (its veth, and with it its route, are gone): the heir becomes the
     * owner in the desired state, so reconcile keeps its route from now on, and, if the sandbox has no default
     * route of that family (none arrived from elsewhere meanwhile), gets {@code default via <its gateway> dev
     * <its ifName>}. A kernel failure is logged and left to reconcile: the removal itself is complete and must
     * not be reported as failed.
     */
    void handOver(EndpointSpec gone, Collection<NetworkState> networks) {
        record Candidate(NetworkState net, EndpointState ep) { }
        Candidate heir = networks.stream()
                .flatMap(n -> n.endpoints.values().stream().map(e -> new Candidate(n, e)))
                .filter(c -> c.ep.spec().sandbox().equals(gone.sandbox())
                        && c.ep.spec().address().isIpv4() == gone.address().isIpv4())
                .min(Comparator.comparingLong(c -> c.ep.ensured()))
                .orElse(null);
        if (heir == null) {
            return;
        }
        EndpointSpec spec = heir.ep.spec();
        heir.net.endpoints.put(spec.id(), heir.ep.owningDefaultRoute());
        Route route = Route.defaultVia(heir.net.spec.gateway().address(), spec.ifName());
        try {
            if (endpoints.sandboxExists(spec.sandbox()) && defaults(spec.sandbox(), spec.address()).isEmpty()) {
                kernel.apply(spec.sandbox(), new ReplaceRoute(route));
                LOG.info("default route handed on sandbox={} from={} to={} via={} dev={}", spec.sandbox(),
                        gone.id(), spec.id(), route.gateway().getHostAddress(), spec.ifName());
            }
        } catch (IOException e) {
            LOG.warn("default route not handed on yet, reconcile retries sandbox={} endpoint={} error=\"{}\"",
                    spec.sandbox(), spec.id(), e.getMessage());
        }
    }

    private List<Route> defaults(Netns sandbox, IpPrefix sameFamilyAs) throws IOException {
        return kernel.routes(sandbox).stream()
                .filter(r -> r.dst().length() == 0 && r.dst().isIpv4() == sameFamilyAs.isIpv4()).toList();
    }
}
