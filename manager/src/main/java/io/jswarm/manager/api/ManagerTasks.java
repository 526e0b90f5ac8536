package io.jswarm.manager.api;

import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.CertificateRequest;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.proto.cluster.ClusterView;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A manager's background work. Owns its one timer thread ({@code jswarm-manager-timer}: the sessions' heartbeats,
 * the join gate's flush, the renewal of the manager's own certificate and the coalesced view pushes), the view
 * listeners and the flag that coalesces the pushes; a joining manager's {@code jswarm-raft-join} thread runs
 * {@link #addSelfToRaft} here too.
 *
 * <p>Threads: {@link #start} and {@link #close} are called by {@link ManagerNode#start} and
 * {@link ManagerNode#close} (under the manager's lock); {@link #viewChangedSoon} by any thread (API calls,
 * sessions, the store's apply, health sources), hence it only queues; {@link #addViewListener} by the daemon
 * before the manager starts.
 */
final class ManagerTasks implements AutoCloseable {
    // Logs as the manager: these lines moved here from ManagerNode and keep their logger.
    private static final Logger LOG = LoggerFactory.getLogger(ManagerNode.class);

    private final ManagerNode manager;
    private final ScheduledExecutorService timer;
    private final java.util.concurrent.atomic.AtomicBoolean pushQueued = new java.util.concurrent.atomic.AtomicBoolean();
    private final List<java.util.function.Consumer<ClusterView>> viewListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Starts nothing (the timer's thread comes with its first task). */
    ManagerTasks(ManagerNode manager) {
        this.manager = manager;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jswarm-manager-timer");
            t.setDaemon(true);
            return t;
        });
    }

    /** Schedules the heartbeats every {@code heartbeatPeriod}, the join gate's flush and certificate renewal. */
    void start(Duration heartbeatPeriod) {
        long period = heartbeatPeriod.toMillis();
        timer.scheduleAtFixedRate(() -> guard("heartbeat", () -> manager.sessions().tick(heartbeatPeriod)),
                period, period, TimeUnit.MILLISECONDS);
        timer.scheduleAtFixedRate(manager.joinGate()::flush, 10, 10, TimeUnit.SECONDS);
        // Checked every renewalRetry (a tenth of the lifetime, 1 s..1 min): a short --cert-expiry is renewed in
        // time too, and a failed renewal is tried again before the certificate runs out.
        long every = manager.keys().identity().renewalRetry().toMillis();
        timer.scheduleAtFixedRate(() -> guard("renew", this::renewOwnCertificate), 0, every, TimeUnit.MILLISECONDS);
    }

    /** See {@link ManagerNode#addViewListener}. */
    void addViewListener(java.util.function.Consumer<ClusterView> listener) {
        viewListeners.add(listener);
    }

    /** Pushes the new view to every session, off the caller's thread (callers may hold locks). */
    void viewChangedSoon() {
        // One push queued at a time: a burst of changes is one view (built when the push runs, so it holds
        // every change made before), not one full view per change.
        manager.keyService().changedSoon(); // a node added, removed or re-addressed changes the pairs
        if (!timer.isShutdown() && !pushQueued.getAndSet(true)) {
            try {
                timer.execute(() -> guard("broadcast", () -> {
                    pushQueued.set(false); // a change from now on queues the next push
                    ClusterView v = manager.table().view();
                    manager.sessions().broadcastView(ViewPages.split(v, ViewPages.PAGE_BYTES));
                    viewListeners.forEach(l -> l.accept(v));
                }));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                pushQueued.set(false);
                LOG.debug("manager stopping; view not pushed");
            }
        }
    }

    /**
     * Runs {@link #addSelfToRaft} on a thread of its own: the timer carries heartbeats, and this waits for the
     * leader's catch-up.
     */
    void addSelfToRaftSoon(io.jswarm.manager.raft.ReplicatedStore r) {
        Thread.ofPlatform().daemon().name("jswarm-raft-join").start(() -> addSelfToRaft(r));
    }

    /**
     * A joining manager's last step: it is running its Raft server, now it becomes a voter (the leader catches
     * it up first). Retried for a minute: the leader may be changing, or still committing our AddNode.
     */
    private void addSelfToRaft(io.jswarm.manager.raft.ReplicatedStore r) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!timer.isShutdown()) {
            try {
                r.peers().add(manager.nodeId(), r.raftAddr());
                LOG.info("joined the managers' Raft group node={} raft={}", manager.nodeId(), r.raftAddr());
                viewChangedSoon();
                return;
            } catch (IOException | RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    LOG.error("could not join the managers' Raft group within 60 s error={}", e.toString());
                    return;
                }
                LOG.info("joining the managers' Raft group, retrying error={}", e.toString());
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void renewOwnCertificate() throws IOException {
        var keys = manager.keys();
        var ca = manager.ca();
        NodeIdentity id = keys.identity();
        if (!id.needsRenewal(manager.clock().instant())) {
            return;
        }
        var key = CertificateAuthority.newKeyPair();
        X509Certificate cert = ca.sign(CertificateRequest.create(key), id.nodeId(), Role.MANAGER,
                manager.joins().certValidity());
        NodeIdentity next = new NodeIdentity(key.getPrivate(), cert, ca.certificate());
        next.store(manager.swarmDir().resolve("certificates"));
        keys.update(next);
        LOG.info("manager certificate renewed node={} expires={}", next.nodeId(), next.expiresAt());
    }

    interface Action {
        void run() throws Exception;
    }

    private static void guard(String what, Action action) {
        try {
            action.run();
        } catch (Exception e) {
            LOG.warn("manager task failed task={} error={}", what, e.toString());
        }
    }

    /** Stops the timer at once (a running push or renewal is interrupted) and with it a joining manager's retries. */
    @Override
    public void close() {
        timer.shutdownNow();
    }
}
