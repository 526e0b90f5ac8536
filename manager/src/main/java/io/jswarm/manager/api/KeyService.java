package io.jswarm.manager.api;

import io.jswarm.manager.state.StateStore;
import io.grpc.Status;
import io.jswarm.encryption.SecretSeal;
import io.jswarm.encryption.esp.DataKeyRoot;
import io.jswarm.manager.keys.KeyRotation;
import io.jswarm.manager.keys.KeyRotationConfig;
import io.jswarm.manager.keys.NodeKeys;
import io.jswarm.manager.keys.RootSeal;

import io.jswarm.manager.state.StateView;
import io.jswarm.proto.cluster.DataKeys;
import io.jswarm.proto.cluster.SessionDownstream;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.DataKey;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's data-plane keys (issue 11): the {@link KeyRotation} driver and the per-node {@link DataKeys}
 * pushes, both owned by one thread ("jswarm-manager-keys"), so the rotation's state, the opened roots and
 * what each session was last sent have one owner. Other threads only queue work onto it (a change, an ack,
 * a request) and read the acks map (written by the sessions' gRPC threads). Never logs a key: DataKeys'
 * protobuf {@code toString} would print them, so only {@link NodeKeys#describe} is logged.
 */
final class KeyService {
    private static final Logger LOG = LoggerFactory.getLogger(KeyService.class);
    private static final long REQUEST_TIMEOUT_SECONDS = 10;

    private final ManagerNode manager;
    private final KeyRotationConfig config;
    private final RootSeal seal;
    private final KeyRotation rotation;
    private final ScheduledExecutorService thread;
    /** node id → highest installed_keys_index it reported (gRPC threads write, the keys thread reads). */
    private final Map<String, Long> installed = new ConcurrentHashMap<>();
    private final List<Consumer<DataKeys>> ownListeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean pushQueued = new AtomicBoolean();
    /** Nothing is pushed before the driver has looked at the state (made the first generation). */
    private volatile boolean started;
    // ---- keys thread only ----
    private final Map<Integer, DataKeyRoot> roots = new HashMap<>();
    /** What each node's current session (or the own-keys listeners, for this node) was last sent. */
    private final Map<String, Sent> sent = new HashMap<>();
    private final Port port;
    /** Keys thread only: whether this manager led at the last tick (a new leader resumes from the state). */
    private boolean leading;

    private record Sent(Object session, DataKeys keys) {
    }

    KeyService(ManagerNode manager, KeyRotationConfig config, SecretSeal secretSeal, InstantSource clock,
               SecureRandom entropy) {
        this.manager = manager;
        this.config = config;
        this.seal = new RootSeal(secretSeal, manager.clusterId());
        this.port = new Port();
        this.rotation = new KeyRotation(config, clock, entropy, seal, port);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jswarm-manager-keys");
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        run("start", () -> started = true);
        long every = config.tick().toMillis();
        thread.scheduleWithFixedDelay(() -> guard("tick", this::tick), every, every, TimeUnit.MILLISECONDS);
        changedSoon();
    }

    /**
     * Issue 12: only the leader drives rotations (one driver per cluster, whichever manager leads); a manager
     * that becomes leader picks up where the state is (the first generation, a rollout under way, retirements).
     * Every manager pushes keys to its own sessions and records its sessions' acks in the log.
     */
    private void tick() {
        if (!manager.store().peers().isLeader()) {
            leading = false;
            return;
        }
        if (!leading) {
            leading = true;
            rotation.start();
        }
        rotation.tick();
    }

    void addOwnListener(Consumer<DataKeys> listener) {
        ownListeners.add(listener);
        changedSoon();
    }

    /** A node reported the DataKeys state index its kernel holds. */
    void installed(String nodeId, long index) {
        if (index <= 0) {
            return;
        }
        Long before = installed.get(nodeId);
        if (before != null && before >= index) {
            return; // heartbeats repeat the last ack
        }
        installed.merge(nodeId, index, Math::max);
        run("ack", () -> {
            // Through the log, so the leader sees it whichever manager this node's session is with.
            if (manager.store().view().keysInstalled(nodeId) < index) {
                port.submit(Command.newBuilder().setKeysInstalled(io.jswarm.proto.state.KeysInstalled.newBuilder()
                        .setNodeId(nodeId).setStateIndex(index)).build());
            }
            tick(); // a promotion may be due now, not at the next tick
        });
    }

    /** Something that changes what nodes get happened (a node, a session, a phase): push, off the caller's thread. */
    void changedSoon() {
        if (!pushQueued.getAndSet(true)) {
            run("push", () -> {
                pushQueued.set(false);
                push();
            });
        }
    }

    void nodeRemoved(String nodeId) {
        installed.remove(nodeId);
        run("node-removed", () -> rotation.nodeRemoved(nodeId));
        changedSoon();
    }

    /** {@code rotate-keys}: the new generation, or FAILED_PRECONDITION saying why not. */
    int rotate() {
        return switch (await(() -> rotation.rotate("rotate-keys"))) {
            case KeyRotation.Start.Started s -> s.generation();
            case KeyRotation.Start.NotStarted n ->
                    throw Status.FAILED_PRECONDITION.withDescription(n.why()).asRuntimeException();
        };
    }

    /** A node's soft-limit report: whether a rotation started. */
    boolean volume(String nodeId, int generation) {
        return await(() -> rotation.volume(nodeId, generation)) instanceof KeyRotation.Start.Started;
    }

    void close() {
        thread.shutdownNow();
    }

    private void push() {
        if (!started) {
            return;
        }
        StateView s = manager.store().view();
        Map<String, Object> targets = new HashMap<>();
        manager.sessions().current().forEach((id, session) -> targets.put(id, session));
        if (!ownListeners.isEmpty()) {
            targets.put(manager.nodeId(), ownListeners);
        }
        sent.keySet().retainAll(targets.keySet());
        for (var t : targets.entrySet()) {
            Optional<DataKeys> keys = NodeKeys.forNode(s, t.getKey(), this::root);
            if (keys.isEmpty()) {
                continue;
            }
            Sent last = sent.get(t.getKey());
            if (last != null && last.session() == t.getValue() && NodeKeys.sameKeys(last.keys(), keys.get())) {
                continue;
            }
            sent.put(t.getKey(), new Sent(t.getValue(), keys.get()));
            if (t.getValue() instanceof SessionRegistry.Session session) {
                session.send(SessionDownstream.newBuilder().setDataKeys(keys.get()).build());
            } else {
                ownListeners.forEach(l -> l.accept(keys.get()));
            }
            LOG.debug("data keys sent node={} keys={}", t.getKey(), NodeKeys.describe(keys.get()));
        }
        roots.keySet().retainAll(s.dataKeys().stream().map(DataKey::getGeneration).toList());
    }

    private DataKeyRoot root(DataKey k) {
        return roots.computeIfAbsent(k.getGeneration(), g -> seal.open(k));
    }

    private final class Port implements KeyRotation.Port {
        @Override
        public StateView view() {
            return manager.store().view();
        }

        @Override
        public Optional<Long> submit(Command command) {
            try {
                return switch (manager.store().submit(command)) {
                    case StateStore.Outcome.Committed c -> Optional.of(c.index());
                    case StateStore.Outcome.Refused r -> {
                        LOG.warn("key command refused kind={} reason=\"{}\"", command.getKindCase(), r.reason());
                        yield Optional.empty();
                    }
                };
            } catch (java.io.IOException e) {
                LOG.error("key command not persisted kind={} error={}", command.getKindCase(), e.toString());
                return Optional.empty();
            }
        }

        @Override
        public Collection<String> readyNodes() {
            return manager.store().view().nodes().stream().map(n -> n.getNodeId())
                    .filter(id -> id.equals(manager.nodeId()) ? !ownListeners.isEmpty()
                            : manager.table().liveness(id) == NodeHealth.Liveness.ALIVE)
                    .toList();
        }

        @Override
        public long installed(String nodeId) {
            return Math.max(installed.getOrDefault(nodeId, 0L), manager.store().view().keysInstalled(nodeId));
        }

        @Override
        public void keysChanged() {
            push(); // already on the keys thread: at once, before the next promotion looks at acks
        }
    }

    private void run(String what, Runnable task) {
        try {
            thread.execute(() -> guard(what, task));
        } catch (RejectedExecutionException e) {
            LOG.debug("manager stopping; key task dropped task={}", what);
        }
    }

    private <T> T await(java.util.concurrent.Callable<T> task) {
        try {
            return thread.submit(task).get(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
            throw Status.UNAVAILABLE.withDescription("manager shutting down").asRuntimeException();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        } catch (TimeoutException e) {
            throw Status.DEADLINE_EXCEEDED.withDescription("the key rotation did not answer within "
                    + REQUEST_TIMEOUT_SECONDS + " s").asRuntimeException();
        } catch (ExecutionException e) {
            throw Status.INTERNAL.withDescription("key rotation failed: " + e.getCause()).asRuntimeException();
        }
    }

    private static void guard(String what, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.warn("key task failed task={} error={}", what, e.toString());
        }
    }
}
