package io.jswarm.agent.net;

import io.grpc.Status;
import io.jswarm.proto.cluster.AttachEndpointRequest;
import io.jswarm.proto.cluster.AttachEndpointResponse;
import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.LocalEndpoint;
import io.jswarm.proto.cluster.LocalSandbox;
import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.cluster.NetworkAttachResponse;
import io.jswarm.proto.cluster.NetworkConnectRequest;
import io.jswarm.proto.cluster.NetworkDetachRequest;
import io.jswarm.proto.cluster.NetworkDisconnectRequest;
import io.jswarm.proto.cluster.NetworkDisconnectResponse;
import io.jswarm.proto.cluster.PendingRelease;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator commands of {@link NetworkAgent}: attach and connect (with the wait for the manager's first view and
 * the one retry after a name refusal), detach and disconnect. It owns no network state: each step that reads or
 * changes it runs on the {@link AgentLoop} ({@code core.loop.call}) and the command waits for it; the manager
 * round-trip of an attach and every release run on the caller's thread (gRPC) between those steps, never on the
 * loop. Its one field of its own, {@link #firstView}, is completed on the loop and waited for by callers.
 */
final class Attaches {
    /** NetworkAgent's: these lines were NetworkAgent's before this class was split out, and operators grep them. */
    private static final Logger LOG = LoggerFactory.getLogger(NetworkAgent.class);

    private final AgentCore core;
    private final EndpointChanges changes;
    private final Releases releases;
    private final AddressLeases leases;
    private final OrphanChecks orphans;
    private final Duration firstViewWait;
    /** Completed by the first view from the manager: an attach right after a join waits for it (a while). */
    private final CompletableFuture<Void> firstView = new CompletableFuture<>();

    Attaches(AgentCore core, EndpointChanges changes, Releases releases, AddressLeases leases, OrphanChecks orphans,
             Duration firstViewWait) {
        this.core = core;
        this.changes = changes;
        this.releases = releases;
        this.leases = leases;
        this.orphans = orphans;
        this.firstViewWait = firstViewWait;
    }

    /** A new cluster view (any thread, never blocks): the first with this node's own address lets attaches go on. */
    void onView(ClusterView v) {
        // Only a view that gives this node's own data-path address lets a waiting attach go on (an earlier
        // one, e.g. a session's first view racing the join, would fail it with "address not known yet"), and
        // only once that view is applied: the completion is queued behind it on the loop.
        if (!firstView.isDone() && hasOwnAddress(v)) {
            core.loop.post("first view", () -> firstView.complete(null));
        }
    }

    private boolean hasOwnAddress(ClusterView v) {
        return v.getNodesList().stream().anyMatch(n -> n.getId().equals(core.nodeId)
                && !(n.getDataPathAddr().isEmpty() && n.getAddr().isEmpty()));
    }

    /** {@code network attach NET --name NAME}: a new sandbox namespace NAME with eth0 on NET. */
    NetworkAttachResponse attach(NetworkAttachRequest req) throws IOException {
        return attach(() -> Sandboxes.forAttach(core, req), req.getIp(), req.getAliasesList());
    }

    /** {@code network connect NET SANDBOX}: an existing named namespace or a namespace path. */
    NetworkAttachResponse connect(NetworkConnectRequest req) throws IOException {
        return attach(() -> Sandboxes.forConnect(core, req), req.getIp(), req.getAliasesList());
    }

    private NetworkAttachResponse attach(Callable<Sandboxes.Target> target, String ip, List<String> aliases)
            throws IOException {
        long t0 = System.nanoTime();
        try {
            NetworkAttachResponse r = attachSteps(target, ip, aliases, false);
            core.metrics.attached(Duration.ofNanos(System.nanoTime() - t0));
            return r;
        } catch (IOException | RuntimeException e) {
            core.metrics.attachFailed();
            throw e;
        }
    }

    private NetworkAttachResponse attachSteps(Callable<Sandboxes.Target> target, String ip, List<String> aliases,
                                              boolean retried) throws IOException {
        if (core.loop.call(() -> core.local.vtep().isEmpty())) {
            // Issue 12: a node restarted from its saved state knows its address already: with no manager it must
            // not wait for a view that cannot come before attaching from its lease.
            awaitFirstView();
        }
        // Pending releases first (the start-up recovery's after a reboot, or ones the manager missed): one may
        // hold the very name asked for, and the manager refuses a second endpoint of one name on a network.
        releasePending();
        EndpointChanges.Plan plan = core.loop.call(() -> {
            Sandboxes.Target t = target.call();
            return changes.prepare(t.network(), t.key(), t.ns(), t.created(), t.dnsName(), t.ifName(), aliases, ip);
        });
        AttachEndpointResponse a;
        try {
            a = core.api.get().attach(AttachEndpointRequest.newBuilder().setNetwork(plan.network())
                    .setName(plan.dnsName()).addAllAliases(aliases).setRequestedIp(ip)
                    .setOwnerKey(core.trust.ownerKey()).build());
        } catch (io.grpc.StatusRuntimeException e) {
            if (AddressLeases.unreachable(e) || e.getStatus().getCode() == io.grpc.Status.Code.DEADLINE_EXCEEDED) {
                // No answer: the manager may have made the endpoint all the same (its answer lost with a killed
                // leader), now or seconds later. Left alone it would hold the name and address forever
                // (HaClusterE2ETest's h4-k59 and h5-k58).
                orphans.afterUnknownOutcome();
            }
            if (ip.isEmpty() && AddressLeases.unreachable(e)) {
                return leases.attach(plan, aliases, e); // issue 12: no manager answers, a lease may stand in
            }
            abandon(plan);
            if (!retried && nameTaken(e)) {
                // The name may be held by this node's own orphan: an endpoint the manager records for this node
                // that no sandbox here holds (a power loss before the state reached the disk, then a reboot).
                // The start-up orphan check releases it a second after the first view; an attach that comes
                // sooner (the thin CLI answers in 0.1 s) releases it now, or waits for that check's release
                // in flight, and asks once more. A name another endpoint holds is refused again.
                releaseOwnLeftovers(e);
                return attachSteps(target, ip, aliases, true);
            }
            throw e;
        } catch (RuntimeException e) {
            abandon(plan);
            throw e;
        }
        leases.soon(); // a network this node is on keeps a lease
        LocalEndpoint le;
        try {
            le = core.loop.call(() -> changes.commit(plan, a));
        } catch (IOException | RuntimeException e) {
            releases.releaseNow(PendingRelease.newBuilder().setNetworkId(a.getNetwork().getNetworkId())
                    .setEndpointId(a.getEndpoint().getEndpointId()).build());
            throw e;
        }
        return NetworkAttachResponse.newBuilder().setNetworkId(le.getNetworkId()).setEndpointId(le.getEndpointId())
                .setSandbox(plan.key()).setIfName(le.getIfName()).setIpv4(le.getIpv4()).setMac(le.getMac()).build();
    }

    /** The plan's write-ahead entry is dropped, on the loop (the manager refused or failed the attach). */
    private void abandon(EndpointChanges.Plan plan) throws IOException {
        core.loop.call(() -> {
            changes.abandon(plan);
            return null;
        });
    }

    /**
     * After a name refusal: this node's orphans, then every pending release (the start-up check may have just
     * taken the orphan into its own release, still in flight: sent again, the manager answers it once). A
     * failure here is added to the refusal and otherwise ignored: the retry's answer decides.
     */
    private void releaseOwnLeftovers(io.grpc.StatusRuntimeException refusal) {
        try {
            int orphans = this.orphans.check(false);
            int pending = releasePending();
            LOG.info("attach refused for its name: released orphans={} pending={}; asking once more", orphans, pending);
        } catch (IOException | RuntimeException e) {
            refusal.addSuppressed(e);
        }
    }

    /** Sends every pending release now, on this thread; how many the manager confirmed. */
    private int releasePending() throws IOException {
        int done = 0;
        for (PendingRelease p : core.loop.call(() -> List.copyOf(core.local.releases()))) {
            done += releases.releaseNow(p) ? 1 : 0;
        }
        return done;
    }

    /** The manager's refusal of a name another endpoint of the network holds (EndpointNameRules). */
    private static boolean nameTaken(io.grpc.StatusRuntimeException e) {
        String d = e.getStatus().getDescription();
        return e.getStatus().getCode() == io.grpc.Status.Code.FAILED_PRECONDITION && d != null
                && d.contains(" already exists in network ");
    }

    /**
     * Right after a join the manager's first view (this node's data-path address, the networks) may still be
     * on its way: an attach then waits for it, on the caller's thread, up to {@link NetworkAgent.Settings#firstViewWait},
     * instead of failing.
     */
    private void awaitFirstView() throws IOException {
        try {
            firstView.get(firstViewWait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException late) {
            // prepare says what is missing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code network disconnect NET SANDBOX}. */
    NetworkDisconnectResponse disconnect(NetworkDisconnectRequest req) throws IOException {
        PendingRelease p = core.loop.call(() -> {
            LocalSandbox sb = Sandboxes.known(core, req.getSandbox());
            var n = core.local.resolve(req.getNetwork(), core.view).orElseThrow(() -> Status.NOT_FOUND
                    .withDescription("network " + req.getNetwork() + " not found").asRuntimeException());
            LocalEndpoint le = core.local.endpoint(sb.getKey(), n.getNetworkId()).orElseThrow(() -> Status
                    .FAILED_PRECONDITION.withDescription("sandbox " + sb.getKey() + " is not connected to network "
                            + n.getName()).asRuntimeException());
            return changes.remove(sb, le);
        });
        releases.releaseNow(p);
        return NetworkDisconnectResponse.newBuilder().addNetworkIds(p.getNetworkId()).build();
    }

    /** {@code network detach NAME}: every network of the sandbox; a sandbox attach made goes with the last. */
    NetworkDisconnectResponse detach(NetworkDetachRequest req) throws IOException {
        List<PendingRelease> done = core.loop.call(() -> {
            LocalSandbox sb = Sandboxes.known(core, req.getSandbox());
            List<PendingRelease> out = new ArrayList<>();
            for (LocalEndpoint le : List.copyOf(sb.getEndpointsList())) {
                out.add(changes.remove(core.local.sandbox(sb.getKey()).orElseThrow(), le));
            }
            return out;
        });
        var out = NetworkDisconnectResponse.newBuilder();
        for (PendingRelease p : done) {
            releases.releaseNow(p);
            out.addNetworkIds(p.getNetworkId());
        }
        return out.build();
    }
}
