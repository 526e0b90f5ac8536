package io.jswarm.agent.net;

import static io.jswarm.agent.net.NetworkAgent.specId;

import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.proto.cluster.LocalEndpoint;
import io.jswarm.proto.cluster.LocalSandbox;
import io.jswarm.proto.state.Network;
import io.jswarm.vxlan.Dataplane;
import io.jswarm.vxlan.Esp;
import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.NetworkSpec;
import io.jswarm.vxlan.ReconcileReport;
import io.jswarm.vxlan.Vni;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel and DNS side of the {@link NetworkAgent}: turns the agent's records (networks, sandboxes,
 * endpoints) into {@link Dataplane} calls and sandbox resolvers. Runs on the {@link AgentLoop} only.
 */
final class HostKernel {
    private static final Logger LOG = LoggerFactory.getLogger(HostKernel.class);

    private final String nodeId;
    private final Dataplane dataplane;
    private final PeerWriter peers;
    private final SandboxResolver dns;
    private final LocalState local;
    private final Encryption encryption;

    HostKernel(String nodeId, Dataplane dataplane, PeerWriter peers, SandboxResolver dns, LocalState local,
               Encryption encryption) {
        this.nodeId = nodeId;
        this.dataplane = dataplane;
        this.peers = peers;
        this.dns = dns;
        this.local = local;
        this.encryption = encryption;
    }

    /**
     * Makes the network (once) and the endpoint. {@code adopt}: at start-up, a network already in the kernel
     * keeps the peers it has until they are known to be gone ({@link PeerWriter}), so a restart never
     * interrupts forwarding.
     */
    void ensure(Network n, LocalSandbox sb, LocalEndpoint le, boolean adopt) throws IOException {
        if (!peers.isProgrammed(n.getNetworkId())) {
            encryption.beforeNetwork(n); // an encrypted network's guards exist before its devices do
            if (adopt) {
                dataplane.adoptNetwork(networkSpec(n));
            } else {
                dataplane.ensureNetwork(networkSpec(n));
            }
            peers.programmed(n.getNetworkId(), adopt);
        }
        dataplane.ensureEndpoint(SandboxEndpoint.of(le).spec(specId(n.getNetworkId()), LocalState.netns(sb),
                sb.getCreated()));
    }

    /** An encrypted network gets port {@link Esp#PORT} and, for a given MTU, the underlay that carries it in ESP. */
    NetworkSpec networkSpec(Network n) {
        if (n.getEncrypted()) {
            return new NetworkSpec(specId(n.getNetworkId()), Vni.of(n.getVni()),
                    IpPrefix.parse(n.getGateway() + "/" + prefixLength(n)), IpPrefix.parseAddress(local.vtep()),
                    Esp.PORT, n.getMtu() == 0 ? 0 : Esp.underlayFor(n.getMtu()), true);
        }
        return new NetworkSpec(specId(n.getNetworkId()), Vni.of(n.getVni()),
                IpPrefix.parse(n.getGateway() + "/" + prefixLength(n)), IpPrefix.parseAddress(local.vtep()),
                local.dataPathPort(), n.getMtu() == 0 ? 0 : n.getMtu() + NetworkSpec.VXLAN_OVERHEAD);
    }

    void serveDns(LocalSandbox sb) {
        peers.sandboxNetworks(sb.getKey(), LocalState.networkIds(sb));
        try {
            dns.serve(sb.getKey(), LocalState.netns(sb), peers.names(sb.getKey()));
            if (sb.getCreated()) {
                dns.writeResolvConf(sb.getKey());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("no DNS in sandbox={} error={}", sb.getKey(), e.toString());
        }
    }

    /** Removes the endpoint and, with {@code networkToo}, the network; logs rather than throws (cleanup). */
    void undo(Network n, LocalSandbox sb, LocalEndpoint le, boolean networkToo) {
        try {
            dataplane.removeEndpoint(specId(n.getNetworkId()), le.getEndpointId());
            if (networkToo) {
                peers.unprogrammed(n.getNetworkId());
                dataplane.removeNetwork(specId(n.getNetworkId()));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("kernel cleanup incomplete network={} sandbox={} error={}", n.getName(), sb.getKey(), e.toString());
        }
    }

    /** Device names already in a sandbox (a runtime's namespace may have its own eth0). */
    java.util.Set<String> interfaceNames(io.jswarm.vxlan.Netns sandbox) throws IOException {
        return dataplane.interfaceNames(sandbox);
    }

    ReconcileReport reconcile() throws IOException {
        return dataplane.reconcile();
    }

    /** This node's table entry for a local endpoint. */
    EndpointRecord record(LocalEndpoint le) {
        return SandboxEndpoint.of(le).record(IpPrefix.parseAddress(local.vtep()), nodeId)
                .withAllocation(EntryTrust.allocation(le.getGrant()));
    }

    static int prefixLength(Network n) {
        return Integer.parseInt(n.getSubnet().substring(n.getSubnet().indexOf('/') + 1));
    }

}
