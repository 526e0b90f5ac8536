package io.jswarm.agent.net;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.proto.cluster.AttachEndpointResponse;
import io.jswarm.proto.cluster.LeaseAddress;
import io.jswarm.proto.cluster.LeaseGrantRequest;
import io.jswarm.proto.cluster.LeaseGrantResponse;
import io.jswarm.proto.cluster.LeaseReturnRequest;
import io.jswarm.proto.cluster.LocalEndpoint;
import io.jswarm.proto.cluster.LocalLease;
import io.jswarm.proto.cluster.OwnEndpointsRequest;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.Network;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's address leases (issue 12): a few addresses per network it has endpoints on, leased by the manager
 * through its log, so that an attach still works while no manager answers.
 *
 * <ul>
 *   <li><b>Upkeep</b> (background, never on the loop): pending claims are sent, leases of networks this node left
 *       are given back, and each network with local endpoints is refilled to {@link #TARGET} free addresses.</li>
 *   <li><b>Attach from a lease</b> ({@link #take}, on the loop, in the same step as the write-ahead commit): when
 *       the manager is unreachable, a free leased address becomes the endpoint at once, saved with a <i>pending
 *       claim</i> before the kernel is touched; the claim is retried until a manager answers, across restarts
 *       (it is in the saved state, like a pending release).</li>
 *   <li><b>A refused claim</b> (the manager revoked the lease: network or node removed; or another node took the
 *       name meanwhile) removes the endpoint here: names cannot be checked cluster-wide while cut off, and the
 *       first claim in log order wins.</li>
 * </ul>
 * Claims are {@link LeaseClaims}'. A leased address is free here only if no local endpoint and no pending release uses its endpoint id and it is
 * not being given back; the state saved on the loop is the only record, so a kill at any step leaves it whole.
 */
final class AddressLeases {
    private static final Logger LOG = LoggerFactory.getLogger(AddressLeases.class);
    /** Free leased addresses kept per network (the manager allows at most 8 held per node and network). */
    static final int TARGET = 4;
    static final int MAX_HELD = 8;
    /** Docker's words for a swarm without a leader (what a manager answers when it has lost its quorum). */
    static final String NO_LEADER = "The swarm does not have a leader";

    private final AgentCore core;
    private final EndpointChanges changes;
    private final Releases releases;
    /** One upkeep at a time (the periodic one skips a round while another runs; tests wait for theirs). */
    private final ReentrantLock upkeep = new ReentrantLock();
    private final LeaseClaims claims;

    AddressLeases(AgentCore core, EndpointChanges changes, Releases releases) {
        this.core = core;
        this.changes = changes;
        this.releases = releases;
        this.claims = new LeaseClaims(core, changes, releases);
    }

    /** Whether a failed manager call means "no manager can be reached now" (so a lease may stand in). */
    static boolean unreachable(StatusRuntimeException e) {
        Status s = e.getStatus();
        return s.getCode() == Status.Code.UNAVAILABLE || s.getCode() == Status.Code.DEADLINE_EXCEEDED
                || (s.getDescription() != null && s.getDescription().startsWith(NO_LEADER));
    }

    /** Upkeep every {@code every}, in the background. */
    void start(Duration first, Duration every) {
        core.loop.every("lease upkeep", first, every, this::soon);
    }

    /** An upkeep round soon, in the background (skipped if one is running). */
    void soon() {
        releases.background(() -> {
            if (upkeep.tryLock()) {
                try {
                    round();
                } finally {
                    upkeep.unlock();
                }
            }
        });
    }

    /** An upkeep round now, on this thread (tests); waits for a running one. Not on the loop. */
    void now() {
        upkeep.lock();
        try {
            round();
        } finally {
            upkeep.unlock();
        }
    }

    /**
     * The manager is unreachable: a free leased address becomes the endpoint, chosen and committed in one loop step
     * (write-ahead, with its pending claim); without one the attach fails at once, saying so. Not on the loop.
     */
    io.jswarm.proto.cluster.NetworkAttachResponse attach(EndpointChanges.Plan plan, List<String> aliases,
                                                         StatusRuntimeException cause) throws IOException {
        LocalEndpoint le = core.loop.call(() -> {
            Optional<AttachEndpointResponse> a;
            try {
                a = take(plan.network(), plan.dnsName(), aliases);
            } catch (RuntimeException e) {
                changes.abandon(plan);
                throw e;
            }
            if (a.isEmpty()) {
                changes.abandon(plan);
                return null;
            }
            LOG.info("manager unreachable: attaching from a leased address network={} sandbox={} address={}",
                    a.get().getNetwork().getName(), plan.key(), a.get().getEndpoint().getAddress());
            return changes.commit(plan, a.get(), true);
        });
        if (le == null) {
            throw noLease(cause, plan.network());
        }
        soon(); // the claim goes as soon as a manager answers
        return io.jswarm.proto.cluster.NetworkAttachResponse.newBuilder().setNetworkId(le.getNetworkId())
                .setEndpointId(le.getEndpointId()).setSandbox(plan.key()).setIfName(le.getIfName()).setIpv4(le.getIpv4())
                .setMac(le.getMac()).build();
    }

    // ---- on the loop ----

    /**
     * This node's answer to an attach from a free leased address of {@code networkRef}, or empty if it has none.
     * On the loop; the caller commits it in the same loop step, so no other attach can take the same address.
     */
    Optional<AttachEndpointResponse> take(String networkRef, String name, List<String> aliases) {
        Optional<Network> n = core.local.resolve(networkRef, core.view);
        if (n.isEmpty()) {
            return Optional.empty();
        }
        // The cluster-wide check is the claim's; what this node can see (its own endpoints, its table) is checked now,
        // with the manager's own rule and words.
        String id = n.get().getNetworkId();
        List<Endpoint> seen = new ArrayList<>();
        core.local.endpointsOn(id).forEach(l -> seen.add(Endpoint.newBuilder().setName(l.endpoint().getName())
                .addAllAliases(l.endpoint().getAliasesList()).build()));
        core.peers.visible(id).values().forEach(r -> seen.add(Endpoint.newBuilder().setName(r.name())
                .addAllAliases(r.aliases()).build()));
        try {
            io.jswarm.manager.state.EndpointNameRules.checkUnique(name, aliases, seen, n.get().getName());
        } catch (io.jswarm.manager.ipam.IpamException e) {
            throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
        }
        return free(n.get().getNetworkId()).stream().findFirst().map(l -> {
            LeaseAddress a = l.getLease();
            Endpoint e = Endpoint.newBuilder().setNetworkId(a.getNetworkId()).setEndpointId(a.getEndpointId())
                    .setNodeId(core.nodeId).setName(name).addAllAliases(aliases).setAddress(a.getAddress()).build();
            return AttachEndpointResponse.newBuilder().setNetwork(n.get()).setEndpoint(e).setGrant(a.getGrant()).build();
        });
    }

    /** The failure of an attach that found the manager unreachable and no free lease: fast, and saying why. */
    static StatusRuntimeException noLease(StatusRuntimeException cause, String network) {
        return Status.UNAVAILABLE.withDescription(cause.getStatus().getDescription() + "; this node holds no free "
                + "address lease on network " + network + ", so the attach needs a manager").asRuntimeException(
                cause.getTrailers() == null ? new io.grpc.Metadata() : cause.getTrailers());
    }

    private List<LocalLease> free(String networkId) {
        return core.local.leases().stream().filter(l -> l.getLease().getNetworkId().equals(networkId)
                && !l.getReturning() && !core.local.endpointIdInUse(l.getLease().getEndpointId())).toList();
    }

    /** Free leases of networks without local endpoints are marked for return (saved first). */
    private List<LocalLease> markUnneeded() {
        List<LocalLease> next = new ArrayList<>();
        boolean changed = false;
        for (LocalLease l : core.local.leases()) {
            String net = l.getLease().getNetworkId();
            if (!l.getReturning() && !core.local.hasEndpointsOn(net) && !core.local.endpointIdInUse(l.getLease().getEndpointId())) {
                l = l.toBuilder().setReturning(true).build();
                changed = true;
            }
            next.add(l);
        }
        if (changed) {
            core.local.leases(next);
            core.saveQuietly("lease returns");
        }
        return next.stream().filter(LocalLease::getReturning).toList();
    }

    /** What the manager says this node holds on {@code networkId}; a lease in use here is kept until its claim. */
    private void merge(String networkId, List<LeaseAddress> held) {
        Map<String, LocalLease> mine = new LinkedHashMap<>();
        core.local.leases().forEach(l -> mine.put(l.getLease().getEndpointId(), l));
        Set<String> listed = held.stream().map(LeaseAddress::getEndpointId).collect(Collectors.toSet());
        List<LocalLease> next = new ArrayList<>();
        for (LocalLease l : core.local.leases()) {
            boolean keep = !l.getLease().getNetworkId().equals(networkId) || listed.contains(l.getLease().getEndpointId())
                    || core.local.endpointIdInUse(l.getLease().getEndpointId());
            if (keep) {
                next.add(l);
            }
        }
        for (LeaseAddress a : held) {
            if (!mine.containsKey(a.getEndpointId())) {
                next.add(LocalLease.newBuilder().setLease(a).build());
            }
        }
        core.local.leases(next);
        core.saveQuietly("leases");
    }

    // ---- the round (background) ----

    /** Whether this run merged the manager's record of its leases yet (a lease may have been revoked meanwhile). */
    private boolean synced;

    private void round() {
        try {
            if (!synced) {
                sync();
                synced = true;
            }
            claims.all();
            returns();
            refill();
        } catch (StatusRuntimeException e) {
            if (unreachable(e)) {
                LOG.debug("lease upkeep: manager unreachable, retried later error={}", e.getStatus().getDescription());
            } else if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
                LOG.warn("lease upkeep failed, retried later error={}: {}", e.getStatus().getCode(), e.getStatus().getDescription());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("lease upkeep failed, retried later error={}", e.toString());
        }
    }

    private void returns() throws IOException {
        List<LocalLease> back = core.loop.call(this::markUnneeded);
        Map<String, List<String>> byNet = new LinkedHashMap<>();
        back.forEach(l -> byNet.computeIfAbsent(l.getLease().getNetworkId(), k -> new ArrayList<>()).add(l.getLease().getAddress()));
        for (var e : byNet.entrySet()) {
            try {
                core.api.get().leaseReturn(LeaseReturnRequest.newBuilder().setNetwork(e.getKey()).addAllAddresses(e.getValue())
                        .build());
            } catch (StatusRuntimeException ex) {
                if (unreachable(ex) || ex.getStatus().getCode() != Status.Code.NOT_FOUND) {
                    throw ex; // NOT_FOUND: the network is gone, and its leases with it
                }
            }
            Set<String> ids = back.stream().filter(l -> l.getLease().getNetworkId().equals(e.getKey()))
                    .map(l -> l.getLease().getEndpointId()).collect(Collectors.toSet());
            core.loop.call(() -> {
                LeaseClaims.dropLeases(core, ids);
                return null;
            });
        }
    }

    private void refill() throws IOException {
        record Want(Network network, int count) {
        }
        List<Want> wants = core.loop.call(() -> core.local.networks().stream().filter(Network::getAttachable).map(n -> {
            long held = core.local.leases().stream().filter(l -> l.getLease().getNetworkId().equals(n.getNetworkId())).count();
            int want = (int) Math.min(TARGET - free(n.getNetworkId()).size(), MAX_HELD - held);
            return new Want(n, want);
        }).filter(w -> w.count() > 0).toList());
        for (Want w : wants) {
            LeaseGrantResponse r;
            try {
                r = core.api.get().leaseGrant(LeaseGrantRequest.newBuilder().setNetwork(w.network().getNetworkId())
                        .setCount(w.count()).setOwnerKey(core.trust.ownerKey()).build());
            } catch (StatusRuntimeException e) {
                if (unreachable(e) || e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                    throw e;
                }
                // A full pool, the network's lease share or this node's quota: attaches still go through a manager.
                LOG.debug("no lease refill network={} error={}: {}", w.network().getName(), e.getStatus().getCode(),
                        e.getStatus().getDescription());
                continue;
            }
            core.loop.call(() -> {
                merge(w.network().getNetworkId(), r.getLeasesList());
                return null;
            });
            LOG.info("lease refilled network={} held={}", w.network().getName(), r.getLeasesCount());
        }
    }

    private void sync() throws IOException {
        var own = core.api.get().ownEndpoints(OwnEndpointsRequest.newBuilder().setOwnerKey(core.trust.ownerKey()).build());
        core.loop.call(() -> {
            Map<String, List<LeaseAddress>> byNet = new LinkedHashMap<>();
            core.local.leases().forEach(l -> byNet.put(l.getLease().getNetworkId(), new ArrayList<>()));
            own.getLeasesList().forEach(l -> byNet.computeIfAbsent(l.getNetworkId(), k -> new ArrayList<>()).add(l));
            byNet.forEach(this::merge);
            return null;
        });
    }
}
