package io.jswarm.vxlan;

/**
 * What the data plane made for one endpoint.
 *
 * @param hostIf           the veth end in the network namespace (a port of br0)
 * @param ownsDefaultRoute whether this endpoint carries the sandbox's default route of its address family: it
 *                         found none (or its own) when it was made, or took it over from a removed endpoint of
 *                         the same sandbox ({@link DefaultRoutes}); reconcile restores the route of an owner
 * @param ensured          the data plane's sequence number of the first ensure: the heir of a removed owner is
 *                         the remaining endpoint of the sandbox with the lowest one
 */
record EndpointState(EndpointSpec spec, String hostIf, boolean ownsDefaultRoute, long ensured) {
    EndpointState {
        if (spec == null || hostIf == null) {
            throw new IllegalArgumentException("endpoint state needs a spec and a host interface");
        }
    }

    EndpointState owningDefaultRoute() {
        return new EndpointState(spec, hostIf, true, ensured);
    }
}
