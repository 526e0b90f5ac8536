package io.jswarm.vxlan;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/** The desired state of one network: its spec, the overlay MTU, remembered peers and local endpoints. */
final class NetworkState {
    final NetworkSpec spec;
    final Netns ns;
    final java.nio.file.Path nsPath;
    /** Overlay MTU (underlay - 50) for br0, vxlan0 and every veth. */
    final int mtu;
    /** Desired remote peers, keyed by IP. */
    final Map<InetAddress, Peer> peers;
    final Map<String, EndpointState> endpoints;
    /**
     * Adopted from a previous run ({@link Dataplane#adoptNetwork}) and not yet confirmed by the caller: veths
     * in the namespace may be endpoints about to be ensured again, so they are kept, not removed as strays.
     * Guarded by the data plane's lock.
     */
    boolean adopted;

    NetworkState(NetworkSpec spec, java.nio.file.Path nsPath, int mtu, Map<InetAddress, Peer> peers,
                 Map<String, EndpointState> endpoints) {
        this.spec = spec;
        this.nsPath = nsPath;
        this.ns = Netns.at(nsPath);
        this.mtu = mtu;
        this.peers = new LinkedHashMap<>(peers);
        this.endpoints = new LinkedHashMap<>(endpoints);
    }

    String id() {
        return spec.id();
    }
}
