package io.jswarm.vxlan;

/**
 * What the data plane made for one endpoint.
 *
 * @param hostIf           the veth end in the network namespace (a port of br0)
 * @param ownsDefaultRoute whether the sandbox had no default route when the endpoint was made, so this
 *                         endpoint installed it (and reconcile restores it)
 */
record EndpointState(EndpointSpec spec, String hostIf, boolean ownsDefaultRoute) {
    EndpointState {
        if (spec == null || hostIf == null) {
            throw new IllegalArgumentException("endpoint state needs a spec and a host interface");
        }
    }
}
