package io.jswarm.agent.net;

import io.grpc.Status;
import io.jswarm.gossip.replication.TableReplicator;
import io.jswarm.proto.cluster.AttachEndpointResponse;
import io.jswarm.proto.cluster.LocalEndpoint;
import io.jswarm.proto.cluster.LocalEndpointState;
import io.jswarm.proto.cluster.LocalSandbox;
import io.jswarm.proto.cluster.PendingRelease;
import io.jswarm.proto.state.Network;
import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.NetworkSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of attach/connect and disconnect/detach that run on the {@link AgentLoop}, each change written
 * ahead to the saved state so that a daemon killed at any step leaves, after its restart, the whole change or
 * none of it ({@link Recovery}):
 *
 * <pre>
 * attach:  prepare (checks, reserve the name)  ─ caller: manager allocates ─►  commit:
 *          save ATTACHING ─► kernel ─► save COMMITTED ─► DNS, table          (failure: undo, release)
 * remove:  save DETACHING ─► table delete ─► kernel ─► save (gone + pending release) ─ caller: release
 * </pre>
 *
 * A kill before ATTACHING is saved leaves an address the manager holds and no sandbox: the start-up orphan
 * check releases it. ATTACHING at start is undone; DETACHING is finished.
 */
final class EndpointChanges {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointChanges.class);

    /** What an attach or connect decided before asking the manager. */
    record Plan(String network, String key, Netns.AtPath ns, boolean created, String dnsName, String ifName,
                InetAddress vtep, int port) {
    }

    private final AgentCore core;
    /** Sandbox keys with an attach between prepare and commit, and how many attaches are in flight. */
    private final Set<String> reserved = new HashSet<>();

    EndpointChanges(AgentCore core) {
        this.core = core;
    }

    /** True while an attach has asked the manager and not committed: its endpoint is not local yet. */
    boolean attachesInFlight() {
        return !reserved.isEmpty();
    }

    /**
     * Every check that needs no manager, before the manager, the kernel or the saved state is changed (a value
     * refused only after them would leave an endpoint half-made); reserves {@code key} until {@link #commit}
     * or {@link #abandon}.
     */
    Plan prepare(String network, String key, Netns.AtPath ns, boolean created, String dnsName, String requestedIfName,
                 List<String> aliases, String requestedIp) throws IOException {
        if (network.isEmpty()) {
            throw invalid("a network is required");
        }
        AttachChecks.requestedIp(requestedIp);
        if (reserved.contains(key)) {
            throw Status.ALREADY_EXISTS.withDescription("sandbox " + key + " is being attached already")
                    .asRuntimeException();
        }
        LocalState local = core.local;
        Optional<Network> existing = local.resolve(network, core.view);
        if (existing.isPresent() && local.endpoint(key, existing.get().getNetworkId()).isPresent()) {
            throw Status.ALREADY_EXISTS.withDescription("sandbox " + key + " is already connected to network "
                    + existing.get().getName()).asRuntimeException();
        }
        if (existing.isPresent()) {
            AttachChecks.esp(existing.get(), core.dataplane);
        }
        InetAddress vtep = vtep();
        AttachChecks.names(dnsName, aliases, vtep, core.nodeId);
        // Before the manager hands out anything: a runtime's namespace may already have its own eth0.
        Set<String> taken = created ? Set.of() : core.kernel.interfaceNames(ns);
        String ifName = requestedIfName.isEmpty() ? local.nextIfName(key, taken)
                : AttachChecks.ifName(requestedIfName, local.ifNames(key), taken);
        reserved.add(key);
        return new Plan(network, key, ns, created, dnsName, ifName, vtep, dataPathPort());
    }

    /** The manager refused or could not be reached: nothing was made. */
    void abandon(Plan p) {
        reserved.remove(p.key());
    }

    /**
     * The manager allocated {@code a}: the sandbox, the kernel, the DNS and the table. On failure everything
     * made is undone and the endpoint is left as a pending release (the caller releases it at once).
     */
    LocalEndpoint commit(Plan p, AttachEndpointResponse a) throws IOException {
        return commit(p, a, false);
    }

    /**
     * As {@link #commit(Plan, AttachEndpointResponse)}; {@code leased}: {@code a} is this node's own answer from a
     * leased address while no manager answered (issue 12), saved with a pending claim in the same write-ahead step.
     */
    LocalEndpoint commit(Plan p, AttachEndpointResponse a, boolean leased) throws IOException {
        reserved.remove(p.key());
        core.steps.reached("attach:allocated");
        LocalState local = core.local;
        Network n = a.getNetwork();
        AttachChecks.esp(n, core.dataplane); // the view may not have said it is encrypted: nothing is made yet
        // Parsed once, here: the kernel spec, the table entry and the saved form all come from this value.
        LocalEndpoint le = SandboxEndpoint.allocated(a, p.key(), p.ifName()).toProto().toBuilder()
                .setGrant(a.getGrant()).setLeaseClaimPending(leased).build(); // saved with it: every later entry carries it
        LocalSandbox sb = local.sandbox(p.key()).orElse(LocalSandbox.newBuilder().setKey(p.key())
                .setNetns(p.ns().path().toString()).setCreated(p.created()).build());
        boolean firstOnNetwork = !local.hasEndpointsOn(n.getNetworkId());
        var before = local.copy();
        try {
            local.vtep(p.vtep().getHostAddress(), p.port());
            core.kernel.record(le); // what the table will refuse fails here, before the kernel is touched
            local.put(sb, le, n);
            core.save(); // ATTACHING: a kill from here on is undone at start
            core.steps.reached("attach:journaled");
            core.kernel.ensure(n, local.sandbox(p.key()).orElseThrow(), le, false);
            core.steps.reached("attach:kernel");
            local.state(p.key(), le.getEndpointId(), LocalEndpointState.LOCAL_ENDPOINT_COMMITTED);
            core.save(); // COMMITTED: a kill from here on keeps the endpoint
            core.steps.reached("attach:committed");
        } catch (IOException | RuntimeException ex) {
            LOG.warn("attach failed, undoing network={} sandbox={} error={}", n.getName(), p.key(), ex.toString());
            core.kernel.undo(n, sb, le, firstOnNetwork);
            local.restore(before);
            local.addRelease(n.getNetworkId(), le.getEndpointId());
            core.saveQuietly("undone attach");
            if (n.getEncrypted() && firstOnNetwork) {
                core.encryption.refreshQuietly("undone attach");
            }
            throw ex;
        }
        le = le.toBuilder().setState(LocalEndpointState.LOCAL_ENDPOINT_COMMITTED).build();
        core.kernel.serveDns(local.sandbox(p.key()).orElseThrow());
        publish(n.getNetworkId(), le, firstOnNetwork);
        LOG.info("endpoint attached network={} sandbox={} endpoint={} ip={}", n.getName(), p.key(), le.getEndpointId(),
                le.getIpv4());
        return le;
    }

    /** Joins the table if this is the network's first local endpoint, then announces the endpoint. */
    void publish(String networkId, LocalEndpoint le, boolean firstOnNetwork) {
        if (firstOnNetwork || !core.peers.hasTable(networkId)) {
            core.joinTable(networkId);
        }
        core.replicator().ifPresent(r -> r.upsert(networkId, le.getEndpointId(), core.kernel.record(le),
                le.getGrant()));
    }

    /**
     * Kernel and table first, then the saved state with a pending release: the manager frees the address only
     * after it is gone here, so it is never reused while still in use. Returns the release to make.
     */
    PendingRelease remove(LocalSandbox sb, LocalEndpoint le) throws IOException {
        LocalState local = core.local;
        Network n = local.network(le.getNetworkId()).orElseThrow();
        local.state(sb.getKey(), le.getEndpointId(), LocalEndpointState.LOCAL_ENDPOINT_DETACHING);
        core.save(); // DETACHING: a kill from here on is finished at start
        core.steps.reached("remove:journaled");
        boolean lastOnNetwork = local.endpointsOn(n.getNetworkId()).size() == 1;
        TableReplicator r = core.replicator;
        if (r != null) {
            r.delete(n.getNetworkId(), le.getEndpointId());
        }
        core.steps.reached("remove:table");
        core.kernel.undo(n, sb, le, lastOnNetwork);
        core.steps.reached("remove:kernel");
        local.removeEndpoint(sb.getKey(), le.getEndpointId());
        PendingRelease release = local.addRelease(n.getNetworkId(), le.getEndpointId());
        core.save();
        core.steps.reached("remove:saved");
        if (lastOnNetwork && n.getEncrypted()) {
            core.encryption.refreshQuietly("detach"); // its peers' SAs go if no other encrypted network needs them
        }
        if (lastOnNetwork) {
            if (r != null) {
                r.leave(n.getNetworkId());
            }
            core.peers.leftTable(n.getNetworkId());
        }
        Optional<LocalSandbox> left = local.sandbox(sb.getKey());
        if (left.isEmpty()) {
            core.dns.stop(sb.getKey());
            core.peers.sandboxNetworks(sb.getKey(), List.of());
            if (sb.getCreated()) {
                core.dns.removeResolvConf(sb.getKey());
            }
        } else {
            core.peers.sandboxNetworks(sb.getKey(), LocalState.networkIds(left.get()));
        }
        LOG.info("endpoint detached network={} sandbox={} endpoint={}", n.getName(), sb.getKey(), le.getEndpointId());
        return release;
    }

    private InetAddress vtep() {
        String addr = core.view.getNodesList().stream().filter(x -> x.getId().equals(core.nodeId)).findFirst()
                .map(x -> x.getDataPathAddr().isEmpty() ? x.getAddr() : x.getDataPathAddr()).orElse(core.local.vtep());
        if (addr.isEmpty()) {
            throw Status.UNAVAILABLE.withDescription("this node's data-path address is not known yet (no cluster view "
                    + "from the manager); try again").asRuntimeException();
        }
        return IpPrefix.parseAddress(addr);
    }

    private int dataPathPort() {
        int p = core.view.getDataPathPort();
        int saved = core.local.dataPathPort();
        return p != 0 ? p : saved != 0 ? saved : NetworkSpec.DEFAULT_PORT;
    }

    static RuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
