package io.jswarm.agent;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.CertificateRequest;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.vxlan.HostPort;
import io.jswarm.manager.tls.Tls;
import io.jswarm.manager.api.ViewPages;
import io.jswarm.proto.cluster.ClusterView;
import io.jswarm.proto.cluster.DispatcherGrpc;
import io.jswarm.proto.cluster.RenewRequest;
import io.jswarm.proto.cluster.SessionDownstream;
import io.jswarm.proto.cluster.SessionUpstream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's long-lived session with the manager: a bidirectional stream over mutual TLS on which the agent
 * sends heartbeats and receives the cluster view. When the stream breaks, or the manager falls silent for
 * the heartbeat timeout, the agent reconnects with exponential backoff capped at {@code reconnectCap}.
 * It also renews the node certificate over the same connection when it nears expiry. A node the manager
 * refuses (removed, or not a member) stops trying: it has been revoked.
 */
public final class AgentSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentSession.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);

    /** Every manager's API address: from the join, then from each view (issue 12: a session fails over to any). */
    private final AtomicReference<List<String>> managers = new AtomicReference<>();
    private final IdentityKeyManager keys;
    private final Path certificates;
    private final DaemonConfig config;
    private final String engineVersion;
    /** Decides when the certificate is due for renewal (a seam so tests can move time forward). */
    private final java.time.InstantSource renewalClock;
    private final AtomicReference<ClusterView> view = new AtomicReference<>();
    private final AtomicReference<String> error = new AtomicReference<>();
    /** Told about every view (gossip start, revocations); runs on a gRPC thread, must be quick. */
    private volatile java.util.function.Consumer<ClusterView> viewListener = v -> { };
    /** Told about every DataKeys the manager sends (issue 11); on a gRPC thread, must be quick. */
    private volatile java.util.function.Consumer<io.jswarm.proto.cluster.DataKeys> keysListener = k -> { };
    /** The DataKeys state index the kernel holds (reported with every heartbeat, and at once when it grows). */
    private final java.util.concurrent.atomic.AtomicLong installedKeys = new java.util.concurrent.atomic.AtomicLong();
    /** Guards writes to the upstream stream: heartbeats (session thread) and acks (any thread) interleave. */
    private final Object upstreamLock = new Object();
    private volatile boolean connected;
    private volatile boolean running;
    private volatile ClientCallStreamObserver<SessionUpstream> current;
    private Thread thread;
    private Instant lastRenewAttempt = Instant.EPOCH;

    public AgentSession(List<String> managers, IdentityKeyManager keys, Path certificates, DaemonConfig config,
                        String engineVersion) {
        this(managers, keys, certificates, config, engineVersion, java.time.InstantSource.system());
    }

    AgentSession(List<String> managers, IdentityKeyManager keys, Path certificates, DaemonConfig config,
                 String engineVersion, java.time.InstantSource renewalClock) {
        this.renewalClock = renewalClock;
        if (managers.isEmpty()) {
            throw new IllegalArgumentException("no manager address");
        }
        this.managers.set(List.copyOf(managers));
        this.keys = keys;
        this.certificates = certificates;
        this.config = config;
        this.engineVersion = engineVersion;
    }

    /** Call before {@link #start}. Listeners run in the order added. */
    public void onView(java.util.function.Consumer<ClusterView> listener) {
        java.util.function.Consumer<ClusterView> before = this.viewListener;
        this.viewListener = before == null ? listener : before.andThen(listener);
    }

    /**
     * Call before {@link #start}. Gets every {@link io.jswarm.proto.cluster.DataKeys} the manager sends (the
     * keys of this node's pairs; never log one: protobuf's toString prints keys). Once the kernel holds them,
     * report it with {@link #keysInstalled}.
     */
    public void onDataKeys(java.util.function.Consumer<io.jswarm.proto.cluster.DataKeys> listener) {
        java.util.function.Consumer<io.jswarm.proto.cluster.DataKeys> before = this.keysListener;
        this.keysListener = before.andThen(listener);
    }

    /**
     * The kernel holds the SAs of the DataKeys with {@code stateIndex}: tells the manager at once (it promotes
     * a new generation when every ready node has), and again with every heartbeat (a new session learns it).
     */
    public void keysInstalled(long stateIndex) {
        if (installedKeys.accumulateAndGet(stateIndex, Math::max) == stateIndex) {
            sendUpstream(current);
        }
    }

    private SessionUpstream upstream() {
        return SessionUpstream.newBuilder().setEngineVersion(engineVersion).setInstalledKeysIndex(installedKeys.get()).build();
    }

    private void sendUpstream(ClientCallStreamObserver<SessionUpstream> up) {
        if (up == null) {
            return;
        }
        synchronized (upstreamLock) {
            try {
                up.onNext(upstream());
            } catch (RuntimeException e) {
                LOG.debug("upstream send failed error={}", e.toString());
            }
        }
    }

    public synchronized void start() {
        running = true;
        thread = Thread.ofPlatform().name("jswarm-agent-session").daemon().start(this::loop);
    }

    /** The latest view the manager pushed, if any. */
    public Optional<ClusterView> view() {
        return Optional.ofNullable(view.get());
    }

    /** The managers this session tries, in order (the latest view's). */
    public List<String> managers() {
        return managers.get();
    }

    public boolean connected() {
        return connected;
    }

    /** Why the session stopped for good (revoked), or the last connection error. */
    public Optional<String> error() {
        return Optional.ofNullable(error.get());
    }

    public boolean revoked() {
        return !running && error.get() != null;
    }

    private void loop() {
        Duration backoff = FIRST_BACKOFF;
        int next = 0;
        while (running) {
            List<String> known = managers.get();
            String addr = known.get(Math.floorMod(next++, known.size()));
            Status ended = runOnce(addr);
            boolean hadSession = connected;
            connected = false;
            if (!running) {
                break;
            }
            if (ended.getCode() == Status.Code.PERMISSION_DENIED || ended.getCode() == Status.Code.UNAUTHENTICATED) {
                error.set(ended.getDescription());
                LOG.error("manager refused this node, giving up manager={} code={} reason=\"{}\"", addr,
                        ended.getCode(), ended.getDescription());
                running = false;
                break;
            }
            if (hadSession) {
                backoff = FIRST_BACKOFF; // a working session broke: retry quickly, then back off
            }
            error.set("manager " + addr + " unreachable: " + ended.getCode() + " " + ended.getDescription());
            LOG.info("session ended manager={} code={} reason=\"{}\" retryInMillis={}", addr, ended.getCode(),
                    ended.getDescription(), backoff.toMillis());
            sleep(backoff);
            backoff = backoff.multipliedBy(2).compareTo(config.reconnectCap()) > 0 ? config.reconnectCap() : backoff.multipliedBy(2);
        }
    }

    /** One session: connect, stream until it ends; returns how it ended. */
    private Status runOnce(String addr) {
        HostPort hp = HostPort.parse(addr, 2377);
        ManagedChannel channel;
        try {
            channel = NettyChannelBuilder.forAddress(hp.host(), hp.port())
                    .sslContext(Tls.client(keys, keys.identity().root())).overrideAuthority(Tls.MANAGER_AUTHORITY)
                    .build();
        } catch (javax.net.ssl.SSLException e) {
            return Status.INTERNAL.withDescription(e.getMessage());
        }
        CompletableFuture<Status> ended = new CompletableFuture<>();
        AtomicReference<Instant> lastHeard = new AtomicReference<>(Instant.now());
        ViewPages.Assembler pages = new ViewPages.Assembler(); // this stream's; its messages come one at a time
        try {
            var up = (ClientCallStreamObserver<SessionUpstream>) DispatcherGrpc.newStub(channel).session(new StreamObserver<>() {
                @Override
                public void onNext(SessionDownstream msg) {
                    lastHeard.set(Instant.now());
                    if (msg.hasView()) {
                        received(msg.getView());
                    } else if (msg.hasViewPage()) {
                        // Only a whole view is applied: one state index, never part of one.
                        pages.offer(msg.getViewPage()).ifPresent(this::received);
                    } else if (msg.hasDataKeys()) {
                        try {
                            keysListener.accept(msg.getDataKeys());
                        } catch (RuntimeException e) {
                            LOG.warn("data keys listener failed error={}", e.toString());
                        }
                    }
                }

                private void received(ClusterView v) {
                    if (!connected) {
                        LOG.info("session established manager={} cluster={}", addr, v.getClusterId());
                    }
                    connected = true;
                    error.set(null);
                    view.set(v);
                    if (v.getManagerAddrsCount() > 0) {
                        managers.set(List.copyOf(v.getManagerAddrsList()));
                    }
                    try {
                        viewListener.accept(v);
                    } catch (RuntimeException e) {
                        LOG.warn("view listener failed error={}", e.toString());
                    }
                }

                @Override
                public void onError(Throwable t) {
                    ended.complete(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                    ended.complete(Status.UNAVAILABLE.withDescription("manager closed the session"));
                }
            });
            current = up;
            sendUpstream(up);
            while (running) {
                try {
                    return ended.get(config.heartbeatPeriod().toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    if (Duration.between(lastHeard.get(), Instant.now()).compareTo(config.heartbeatTimeout()) > 0) {
                        up.cancel("manager silent", null);
                        return Status.UNAVAILABLE.withDescription("no heartbeat from the manager");
                    }
                    sendUpstream(up);
                    if (connected) {
                        renewIfDue(channel);
                    }
                }
            }
            up.cancel("agent stopping", null);
            return Status.CANCELLED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Status.CANCELLED;
        } catch (java.util.concurrent.ExecutionException | RuntimeException e) {
            return Status.fromThrowable(e);
        } finally {
            current = null;
            channel.shutdownNow();
        }
    }

    private void renewIfDue(ManagedChannel channel) {
        // Checked on every heartbeat (cheap); attempts are spaced by renewalRetry, a tenth of the lifetime
        // (1 s..1 min), so even a short --cert-expiry gets several tries before the certificate runs out.
        Instant now = renewalClock.instant();
        NodeIdentity id = keys.identity();
        if (!id.needsRenewal(now) || Duration.between(lastRenewAttempt, now).compareTo(id.renewalRetry()) < 0) {
            return;
        }
        lastRenewAttempt = now;
        try {
            var key = CertificateAuthority.newKeyPair();
            var resp = DispatcherGrpc.newBlockingStub(channel).withDeadlineAfter(config.managerTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .renewCertificate(RenewRequest.newBuilder()
                            .setCsrDer(ByteString.copyFrom(CertificateRequest.create(key).der())).build());
            NodeIdentity next = new NodeIdentity(key.getPrivate(), Joiner.parse(resp.getCertificateDer().toByteArray()), id.root());
            next.store(certificates);
            keys.update(next);
            LOG.info("certificate renewed node={} expires={}", next.nodeId(), next.expiresAt());
        } catch (StatusRuntimeException | java.io.IOException | IllegalArgumentException e) {
            LOG.warn("certificate renewal failed, will retry error={}", e.toString());
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
        }
        var up = current;
        if (up != null) {
            up.cancel("agent stopping", null);
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
