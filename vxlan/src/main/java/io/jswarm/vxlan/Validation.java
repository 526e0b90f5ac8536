package io.jswarm.vxlan;

import java.net.InetAddress;
import java.util.Collection;
import java.util.Map;

/**
 * Input checks of {@link KernelDataplane}, all made before the first kernel change so that a call refused
 * for bad input changes nothing. Each failure names the object and says what is wrong.
 */
final class Validation {
    private Validation() {
    }

    static NetworkState knownNetwork(Map<String, NetworkState> state, String networkId) {
        NetworkState net = state.get(networkId);
        if (net == null) {
            throw new IllegalArgumentException("unknown network '" + networkId + "': ensureNetwork it first");
        }
        return net;
    }

    static void network(NetworkSpec spec, NetworkState known, Collection<NetworkState> all) {
        for (NetworkState other : all) {
            if (!other.id().equals(spec.id()) && other.spec.vni().equals(spec.vni())
                    && other.spec.port() == spec.port()) {
                throw new IllegalArgumentException("network " + spec.id() + ": VNI " + spec.vni() + " port "
                        + spec.port() + " is already used by network " + other.id());
            }
        }
        if (known != null && !known.endpoints.isEmpty() && !known.spec.subnet().equals(spec.subnet())) {
            throw new IllegalArgumentException("network " + spec.id() + ": cannot move from subnet "
                    + known.spec.subnet() + " to " + spec.subnet() + " while it has endpoints");
        }
    }

    /**
     * Checks an endpoint against its network and every other endpoint. Returns the existing state when the
     * very same endpoint is already there (the call then only repairs), else {@code null}.
     */
    static EndpointState endpoint(EndpointSpec spec, NetworkState net, String hostIf, Collection<NetworkState> all,
                                  EndpointConverger endpoints) {
        String what = "endpoint " + spec.id() + " on network " + spec.networkId();
        if (net == null) {
            throw new IllegalArgumentException(what + ": unknown network, ensureNetwork it first");
        }
        if (endpoints.isHostNamespace(spec.sandbox())) {
            // Also for an endpoint already known (saved before this check existed): never into the host.
            throw new IllegalArgumentException(what + ": sandbox " + spec.sandbox() + " is the host's network "
                    + "namespace (the daemon's own or the machine's initial one); an overlay endpoint there would change the host's "
                    + "networking");
        }
        EndpointState existing = net.endpoints.get(spec.id());
        if (existing != null) {
            if (existing.spec().equals(spec)) {
                return existing;
            }
            throw new IllegalArgumentException(what + ": already exists as " + existing.spec()
                    + "; remove it before changing it");
        }
        IpPrefix subnet = net.spec.subnet();
        InetAddress ip = spec.address().address();
        if (!subnet.contains(ip) || spec.address().length() != subnet.length()) {
            throw new IllegalArgumentException(what + ": address " + spec.address() + " is not in subnet " + subnet);
        }
        if (ip.equals(net.spec.gateway().address())) {
            throw new IllegalArgumentException(what + ": address " + ip.getHostAddress() + " is the gateway");
        }
        if (ip.equals(subnet.address()) || isBroadcast(subnet, ip)) {
            throw new IllegalArgumentException(what + ": address " + ip.getHostAddress()
                    + " is the subnet's network or broadcast address");
        }
        for (EndpointState other : net.endpoints.values()) {
            if (other.spec().address().address().equals(ip)) {
                throw new IllegalArgumentException(what + ": address " + ip.getHostAddress()
                        + " is taken by endpoint " + other.spec().id());
            }
            if (other.hostIf().equals(hostIf)) {
                throw new IllegalArgumentException(what + ": host interface name " + hostIf
                        + " clashes with endpoint " + other.spec().id());
            }
        }
        for (NetworkState n : all) {
            for (EndpointState other : n.endpoints.values()) {
                if (other.spec().sandbox().equals(spec.sandbox()) && other.spec().ifName().equals(spec.ifName())) {
                    throw new IllegalArgumentException(what + ": interface " + spec.ifName() + " in sandbox "
                            + spec.sandbox() + " is taken by endpoint " + other.spec().id() + " of network " + n.id());
                }
            }
        }
        if (!spec.createSandbox() && !endpoints.sandboxExists(spec.sandbox())) {
            throw new IllegalArgumentException(what + ": sandbox " + spec.sandbox() + " does not exist");
        }
        return null;
    }

    static void peers(NetworkSpec spec, Collection<Peer> peers) {
        for (Peer p : peers) {
            if (!spec.subnet().contains(p.ip())) {
                throw new IllegalArgumentException("network " + spec.id() + ": peer " + p.ip().getHostAddress()
                        + " is not in subnet " + spec.subnet());
            }
            if (p.vtep().getAddress().length != spec.vtep().getAddress().length) {
                throw new IllegalArgumentException("network " + spec.id() + ": peer VTEP " + p.vtep().getHostAddress()
                        + " is not of the underlay's address family");
            }
        }
    }

    private static boolean isBroadcast(IpPrefix subnet, InetAddress ip) {
        if (!subnet.isIpv4() || subnet.length() >= 31) {
            return false;
        }
        long hosts = (1L << (32 - subnet.length())) - 1;
        return ip.equals(subnet.addressAt(hosts));
    }
}
