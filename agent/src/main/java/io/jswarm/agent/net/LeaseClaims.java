package io.jswarm.agent.net;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.proto.cluster.LeaseClaimRequest;
import io.jswarm.proto.cluster.LeaseClaimResponse;
import io.jswarm.proto.cluster.LocalEndpoint;
import io.jswarm.proto.cluster.PendingRelease;
import io.jswarm.proto.state.Endpoint;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claims of endpoints attached from a lease while no manager answered (issue 12, part of {@link AddressLeases}'
 * upkeep, on its background thread; loop state only through loop calls). A landed claim makes the endpoint the
 * manager's (its entry takes the claim's grant); a refused one is checked against the manager's record (a lost answer,
 * or this node's own orphan holding the name) before the endpoint is removed here.
 */
final class LeaseClaims {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseClaims.class);

    private final AgentCore core;
    private final EndpointChanges changes;
    private final Releases releases;

    LeaseClaims(AgentCore core, EndpointChanges changes, Releases releases) {
        this.core = core;
        this.changes = changes;
        this.releases = releases;
    }

    /** Sends every pending claim (background); an unreachable manager ends the round. */
    void all() throws IOException {
        for (LocalState.Located p : core.loop.call(core.local::pendingClaims)) {
            claim(p);
        }
    }

    private void claim(LocalState.Located p) throws IOException {
        LocalEndpoint le = p.endpoint();
        String address = le.getIpv4().substring(0, le.getIpv4().indexOf('/'));
        LeaseClaimRequest req = LeaseClaimRequest.newBuilder().setNetwork(le.getNetworkId()).setAddress(address)
                .setName(le.getName()).addAllAliases(le.getAliasesList()).setOwnerKey(core.trust.ownerKey()).build();
        if (!core.loop.call(() -> stillPending(p))) {
            return; // detached meanwhile: its release gives the lease back
        }
        LeaseClaimResponse r;
        try {
            r = core.api.get().leaseClaim(req);
        } catch (StatusRuntimeException e) {
            if (AddressLeases.unreachable(e)) {
                throw e;
            }
            Optional<LeaseClaimResponse> again = afterRefusal(p, req);
            if (again == null) {
                return; // it had landed
            }
            if (again.isEmpty()) {
                refused(p, address, e);
                return;
            }
            r = again.get();
        }
        LOG.info("lease claimed network={} sandbox={} endpoint={} address={}", r.getNetwork().getName(),
                p.sandbox().getKey(), r.getEndpoint().getEndpointId(), r.getEndpoint().getAddress());
        LeaseClaimResponse done = r;
        core.loop.call(() -> claimed(p.sandbox().getKey(), le.getEndpointId(), done)).ifPresent(releases::releaseNow);
    }

    /** On the loop: whether the endpoint of {@code p} is still here with its claim pending. */
    private boolean stillPending(LocalState.Located p) {
        return core.local.sandbox(p.sandbox().getKey()).stream().flatMap(sb -> sb.getEndpointsList().stream())
                .anyMatch(e -> e.getEndpointId().equals(p.endpoint().getEndpointId()) && e.getLeaseClaimPending());
    }

    /**
     * A refused claim, checked against the manager's record of this node: null if the claim had landed (its answer
     * was lost); the claim's answer if it succeeded after this node's own orphan with the same name was released (an
     * attach whose answer was lost went through at the manager, while this node attached from its lease); else empty.
     */
    private Optional<LeaseClaimResponse> afterRefusal(LocalState.Located p, LeaseClaimRequest req) throws IOException {
        LocalEndpoint le = p.endpoint();
        List<Endpoint> recorded = core.api.get().ownEndpoints().getEndpointsList();
        if (recorded.stream().anyMatch(x -> x.getEndpointId().equals(le.getEndpointId()))) {
            LOG.info("lease claim had landed endpoint={} network={}", le.getEndpointId(), le.getNetworkId());
            core.loop.call(() -> claimed(p.sandbox().getKey(), le.getEndpointId(), null)).ifPresent(releases::releaseNow);
            return null;
        }
        Optional<Endpoint> orphan = recorded.stream().filter(x -> x.getNetworkId().equals(le.getNetworkId())
                && x.getName().equals(le.getName())).findFirst();
        if (orphan.isEmpty() || core.loop.call(() -> core.local.endpointIdInUse(orphan.get().getEndpointId()))) {
            return Optional.empty();
        }
        if (!core.loop.call(() -> stillPending(p))) {
            return Optional.empty(); // detached meanwhile: no claim again (its release gives the lease back)
        }
        LOG.info("releasing this node's orphan of the same name before claiming network={} endpoint={} name={}",
                le.getNetworkId(), orphan.get().getEndpointId(), le.getName());
        if (!releases.releaseNow(PendingRelease.newBuilder().setNetworkId(le.getNetworkId())
                .setEndpointId(orphan.get().getEndpointId()).build())) {
            throw Status.UNAVAILABLE.withDescription("orphan not released yet").asRuntimeException();
        }
        try {
            return Optional.of(core.api.get().leaseClaim(req));
        } catch (StatusRuntimeException e) {
            if (AddressLeases.unreachable(e)) {
                throw e;
            }
            return Optional.empty();
        }
    }

    /** The claim is refused for good: the endpoint attached while cut off goes (kernel, table, saved state). */
    private void refused(LocalState.Located p, String address, StatusRuntimeException e) throws IOException {
        LocalEndpoint le = p.endpoint();
        Optional<PendingRelease> gone = core.loop.call(() -> {
            var sb = core.local.sandbox(p.sandbox().getKey());
            var cur = sb.flatMap(s -> core.local.endpoint(s.getKey(), le.getNetworkId()));
            if (cur.isEmpty() || !cur.get().getEndpointId().equals(le.getEndpointId())) {
                return Optional.<PendingRelease>empty();
            }
            LOG.warn("lease claim refused: removing the endpoint attached while no manager answered network={} sandbox={} "
                    + "endpoint={} address={} error={}: {}", le.getNetworkId(), p.sandbox().getKey(), le.getEndpointId(),
                    address, e.getStatus().getCode(), e.getStatus().getDescription());
            return Optional.of(changes.remove(sb.get(), cur.get()));
        });
        gone.ifPresent(releases::releaseNow);
    }

    /**
     * On the loop: the endpoint is the manager's now; its entry carries the claim's grant (higher allocation). If it
     * was detached here meanwhile, the manager holds an endpoint nobody uses: the lease is no longer this node's
     * (never free again) and a pending release, saved first, frees the endpoint there; returned to be sent.
     */
    private Optional<PendingRelease> claimed(String key, String endpointId, LeaseClaimResponse r) {
        var cur = core.local.sandbox(key).flatMap(sb -> sb.getEndpointsList().stream()
                .filter(e -> e.getEndpointId().equals(endpointId)).findFirst());
        if (cur.isEmpty()) {
            String networkId = core.local.leases().stream().filter(l -> l.getLease().getEndpointId().equals(endpointId))
                    .map(l -> l.getLease().getNetworkId()).findFirst().orElse(r == null ? "" : r.getNetwork().getNetworkId());
            Optional<PendingRelease> pending = core.local.releases().stream()
                    .filter(x -> x.getEndpointId().equals(endpointId)).findFirst();
            PendingRelease release = pending.isPresent() || networkId.isEmpty() ? pending.orElse(null)
                    : core.local.addRelease(networkId, endpointId);
            LOG.info("lease claim landed for an endpoint detached meanwhile: releasing it endpoint={}", endpointId);
            dropLeases(core, Set.of(endpointId)); // saves, with the release
            return Optional.ofNullable(release);
        }
        var b = cur.get().toBuilder().setLeaseClaimPending(false);
        if (r != null && r.hasGrant()) {
            b.setGrant(r.getGrant());
        }
        LocalEndpoint le = b.build();
        core.local.replaceEndpoint(key, le);
        dropLeases(core, Set.of(endpointId));
        changes.publish(le.getNetworkId(), le, false);
        return Optional.empty();
    }

    /** On the loop: the leases with these endpoint ids are no longer this node's to use (claimed or returned). */
    static void dropLeases(AgentCore core, Set<String> endpointIds) {
        core.local.leases(core.local.leases().stream().filter(l -> !endpointIds.contains(l.getLease().getEndpointId()))
                .toList());
        core.saveQuietly("leases");
    }
}
