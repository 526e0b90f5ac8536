package io.jswarm.agent.net;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jswarm.proto.cluster.DetachEndpointRequest;
import io.jswarm.proto.cluster.LeaseAddress;
import io.jswarm.proto.cluster.LeaseReturnRequest;
import io.jswarm.proto.cluster.LocalLease;
import io.jswarm.proto.cluster.PendingRelease;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Addresses the manager still holds for endpoints that are gone here. A release is saved (with the change
 * that made it) before the manager is asked, so neither an unreachable manager nor a daemon killed in between
 * leaves an orphan address and a blocked name: pending releases are retried every {@code retryEvery} until
 * the manager answers. Manager calls never run on the {@link AgentLoop}: on the caller's thread right after
 * a change, else on one background thread of this class.
 */
final class Releases implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Releases.class);

    private final AgentCore core;
    private final ExecutorService io = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "jswarm-net-manager");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean retrying = new AtomicBoolean();

    Releases(AgentCore core) {
        this.core = core;
    }

    /** Retries pending releases periodically (the first time after {@code first}). */
    void start(Duration first, Duration retryEvery) {
        core.loop.every("release retry", first, retryEvery, () -> {
            List<PendingRelease> pending = core.local.releases();
            if (!pending.isEmpty() && retrying.compareAndSet(false, true)) {
                background(() -> {
                    try {
                        pending.forEach(this::releaseNow);
                    } finally {
                        retrying.set(false);
                    }
                });
            }
        });
    }

    /**
     * Asks the manager to free the address now, on this thread; true once it is free there (also when the
     * manager no longer knows it). Not on the loop. On failure the release stays pending.
     *
     * <p>An endpoint that came from an address lease this node still holds here (its claim pending, in flight, or
     * landed unseen) is freed in two steps, both through the log: the lease is given back first, so a claim applied
     * after it is refused; then the endpoint is detached, which frees it if its claim was applied before. Only then
     * is the lease dropped here: until the manager confirms, its address is never used again (issue 12).
     */
    boolean releaseNow(PendingRelease p) {
        Optional<LeaseAddress> lease;
        try {
            lease = core.loop.call(() -> core.local.leases().stream().map(LocalLease::getLease)
                    .filter(l -> l.getEndpointId().equals(p.getEndpointId())).findFirst());
        } catch (IOException | RuntimeException e) {
            LOG.warn("manager did not release endpoint={} (retried later) error={}", p.getEndpointId(), e.toString());
            return false;
        }
        try {
            if (lease.isPresent()) {
                try {
                    core.api.get().leaseReturn(LeaseReturnRequest.newBuilder().setNetwork(lease.get().getNetworkId())
                            .addAddresses(lease.get().getAddress()).build());
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                        throw e; // NOT_FOUND: the network is gone, and its leases with it
                    }
                }
            }
            core.api.get().detach(DetachEndpointRequest.newBuilder().setNetwork(p.getNetworkId())
                    .setEndpointId(p.getEndpointId()).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                LOG.warn("manager did not release endpoint={} (retried later) error={}", p.getEndpointId(),
                        e.getStatus().getCode() + ": " + e.getStatus().getDescription());
                return false;
            }
        } catch (RuntimeException e) {
            LOG.warn("manager did not release endpoint={} (retried later) error={}", p.getEndpointId(), e.toString());
            return false;
        }
        core.loop.post("release done", () -> {
            boolean changed = core.local.released(p.getEndpointId());
            if (lease.isPresent()) {
                core.local.leases(core.local.leases().stream()
                        .filter(l -> !l.getLease().getEndpointId().equals(p.getEndpointId())).toList());
                changed = true;
            }
            if (changed) {
                core.saveQuietly("release");
            }
        });
        return true;
    }

    /** Runs manager work off the loop. */
    void background(Runnable r) {
        try {
            io.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.warn("manager call failed error={}", e.toString());
                }
            });
        } catch (RejectedExecutionException closed) {
            // stopping
        }
    }

    @Override
    public void close() {
        io.shutdownNow();
    }
}
