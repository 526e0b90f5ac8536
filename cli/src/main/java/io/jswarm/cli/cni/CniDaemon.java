package io.jswarm.cli.cni;

import java.util.List;
import java.util.Optional;

/**
 * What the CNI plugin needs from the local jswarm daemon: the one seam between them (today over the gRPC
 * control socket, {@link GrpcCniDaemon}; the daemon's HTTP API later, one class). Failures are {@link CniError}s
 * with the spec's codes already chosen.
 */
interface CniDaemon extends AutoCloseable {
    /** A network as the plugin reports it. */
    record Network(String id, String name, String subnet, String gateway) {
    }

    /** An endpoint on this host: its sandbox (namespace path), interface, address with prefix, MAC. */
    record Endpoint(String endpointId, String sandbox, String ifName, String ipv4, String mac) {
    }

    /** The network named {@code ref} (name, id or id prefix); empty: no such network. */
    Optional<Network> network(String ref) throws CniError;

    /** Connects namespace {@code netns} to {@code network} as {@code dnsName} with interface {@code ifName}. */
    Endpoint connect(String network, String netns, String dnsName, String ifName, List<String> aliases) throws CniError;

    /** Disconnects {@code netns} from {@code network}; false: it was not connected (or the network is gone). */
    boolean disconnect(String network, String netns) throws CniError;

    /** This host's endpoint of {@code netns} on {@code network}, if any. */
    Optional<Endpoint> endpoint(String network, String netns) throws CniError;

    /** Empty when the daemon answers and its node is in a swarm; else why not. */
    Optional<String> unavailable();

    @Override
    void close();
}
