package io.jswarm.agent.net;

import io.jswarm.gossip.replication.TableReplicator;
import io.jswarm.proto.cluster.LocalEndpoint;
import io.jswarm.proto.cluster.LocalEndpointState;
import io.jswarm.proto.cluster.LocalSandbox;
import io.jswarm.proto.cluster.PendingRelease;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.Network;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.ReconcileReport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up and upkeep of the agent's networks, on the {@link AgentLoop}: put back what the saved state lists
 * without asking anyone (the kernel kept forwarding while the daemon was away), finish or undo a change a
 * killed daemon left half-way ({@link EndpointChanges}), end the kernel adoption once the tables had time to
 * refill, reconcile periodically, and release addresses the manager holds for endpoints no sandbox has.
 */
final class Recovery {
    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    private final AgentCore core;
    private final EndpointChanges changes;

    Recovery(AgentCore core, EndpointChanges changes) {
        this.core = core;
        this.changes = changes;
    }

    /**
     * Puts back every endpoint of the saved state (idempotent: what is in the kernel stays and keeps
     * forwarding); an ATTACHING endpoint is undone, a DETACHING one finished, and one whose sandbox namespace
     * is gone (the host rebooted: {@code /run} is a tmpfs; or it was deleted while the daemon was away) is
     * removed and released, never made again. Returns the releases to make.
     */
    List<PendingRelease> restore() throws IOException {
        LocalState local = core.local;
        local.load(core.store);
        Set<String> gone = goneSandboxes();
        List<LocalState.Located> unfinished = new ArrayList<>();
        List<LocalState.Located> orphaned = new ArrayList<>();
        for (Network n : local.networks()) {
            for (var e : local.endpointsOn(n.getNetworkId())) {
                boolean committed = e.endpoint().getState() == LocalEndpointState.LOCAL_ENDPOINT_COMMITTED;
                if (gone.contains(e.sandbox().getKey())) {
                    // Not ensured: that would make a fresh, empty namespace under the old name and keep the
                    // old address, or block the name ("already exists"). Unfinished ones end as usual.
                    (committed ? orphaned : unfinished).add(e);
                    continue;
                }
                try {
                    // Also for unfinished ones: the data plane must know what it is about to remove.
                    core.kernel.ensure(n, e.sandbox(), e.endpoint(), true);
                } catch (IOException | RuntimeException ex) {
                    LOG.warn("endpoint not restored network={} endpoint={} error={}", n.getName(),
                            e.endpoint().getEndpointId(), ex.toString());
                }
                if (e.endpoint().getState() != LocalEndpointState.LOCAL_ENDPOINT_COMMITTED) {
                    unfinished.add(e);
                }
            }
        }
        for (var e : unfinished) {
            finish(e.sandbox().getKey(), e.endpoint());
        }
        for (var e : orphaned) {
            // The write-ahead removal (DETACHING, then gone with a pending release): a kill here is finished
            // at the next start like any interrupted detach, and the manager frees the address.
            LOG.warn("sandbox namespace gone, endpoint removed and released sandbox={} netns={} endpoint={} "
                    + "reason=\"the namespace no longer exists (host rebooted, or deleted while the daemon was "
                    + "down)\"", e.sandbox().getKey(), e.sandbox().getNetns(), e.endpoint().getEndpointId());
            changes.remove(local.sandbox(e.sandbox().getKey()).orElseThrow(), e.endpoint());
        }
        for (LocalSandbox sb : local.sandboxes()) {
            core.kernel.serveDns(sb);
        }
        LOG.info("network agent started sandboxes={} networks={} finished={} gone={} releases={}",
                local.sandboxes().size(), local.networks().size(), unfinished.size(), orphaned.size(),
                local.releases().size());
        return local.releases();
    }

    /** Saved sandboxes whose namespace file no longer exists. */
    private Set<String> goneSandboxes() {
        Set<String> gone = new HashSet<>();
        for (LocalSandbox sb : core.local.sandboxes()) {
            if (LocalState.netns(sb) instanceof Netns.AtPath at && !core.dataplane.namespaceExists(at)) {
                gone.add(sb.getKey());
            }
        }
        return gone;
    }

    private void finish(String key, LocalEndpoint le) throws IOException {
        LocalState local = core.local;
        LocalSandbox sb = local.sandbox(key).orElseThrow();
        if (le.getState() == LocalEndpointState.LOCAL_ENDPOINT_DETACHING) {
            changes.remove(sb, le);
            LOG.info("interrupted detach finished sandbox={} endpoint={}", key, le.getEndpointId());
            return;
        }
        Network n = local.network(le.getNetworkId()).orElseThrow();
        boolean last = local.endpointsOn(n.getNetworkId()).size() == 1;
        core.kernel.undo(n, sb, le, last);
        local.removeEndpoint(key, le.getEndpointId());
        local.addRelease(n.getNetworkId(), le.getEndpointId());
        if (local.sandbox(key).isEmpty() && sb.getCreated()) {
            core.dns.removeResolvConf(key);
        }
        core.save();
        LOG.info("interrupted attach undone sandbox={} endpoint={}", key, le.getEndpointId());
    }

    /** Replication started: join every network with local endpoints and publish them (fresh versions). */
    void publishAll() {
        for (Network n : core.local.networks()) {
            core.joinTable(n.getNetworkId());
            core.local.endpointsOn(n.getNetworkId()).forEach(e -> changes.publish(n.getNetworkId(), e.endpoint(), false));
        }
    }

    /** Once the tables had time to refill: the data plane stops adopting (adopted peers stay until known gone). */
    void settle() {
        core.peers.endAdoption();
        reconcile();
    }

    /** Repairs the kernel against the desired state, then re-reads every table to heal the mirror. */
    void reconcile() {
        try {
            ReconcileReport report = core.kernel.reconcile();
            core.metrics.reconciled(report.repairs().size());
            LOG.info("reconcile done repairs={}{}", report.repairs().size(), report.clean() ? "" : " " + report.repairs());
        } catch (IOException | RuntimeException e) {
            LOG.warn("reconcile failed error={}", e.toString());
        }
        core.encryption.refreshQuietly("reconcile"); // an intent or an acknowledgement that failed before
        TableReplicator r = core.replicator;
        if (r != null) {
            for (Network n : core.local.networks()) {
                if (core.peers.hasTable(n.getNetworkId())) {
                    core.peers.table(n.getNetworkId(), r.visible(n.getNetworkId()));
                }
            }
        }
    }

    /**
     * The manager's endpoints of this node that no local sandbox holds (a kill between the manager's
     * allocation and the saved ATTACHING), given the manager's list fetched just before. Empty while an
     * attach is between those two steps: its endpoint is not local yet. On the loop.
     */
    /** Empty while an attach is in flight (its fresh endpoint may be among {@code recorded}): look again later. */
    java.util.Optional<List<PendingRelease>> orphans(List<Endpoint> recorded) {
        if (changes.attachesInFlight()) {
            return java.util.Optional.empty();
        }
        Set<String> mine = new HashSet<>();
        core.local.sandboxes().forEach(sb -> sb.getEndpointsList().forEach(e -> mine.add(e.getEndpointId())));
        core.local.releases().forEach(p -> mine.add(p.getEndpointId())); // already on their way
        List<PendingRelease> orphans = recorded.stream().filter(e -> !mine.contains(e.getEndpointId()))
                .map(e -> PendingRelease.newBuilder().setNetworkId(e.getNetworkId()).setEndpointId(e.getEndpointId())
                        .build()).toList();
        // Pending from now on: a concurrent check skips them, and a kill before the release keeps them.
        orphans.forEach(p -> core.local.addRelease(p.getNetworkId(), p.getEndpointId()));
        if (!orphans.isEmpty()) {
            core.saveQuietly("orphan releases");
        }
        return java.util.Optional.of(orphans);
    }
}
