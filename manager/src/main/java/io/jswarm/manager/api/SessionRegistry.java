package io.jswarm.manager.api;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.jswarm.proto.cluster.Heartbeat;
import io.jswarm.proto.cluster.SessionDownstream;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live session stream of every agent, and the liveness it implies. A node is alive while its stream is
 * open and its heartbeats arrive; a closed stream (a killed agent's TCP connection closes at once) makes it
 * dead immediately, a silent one (hung process, cut cable) after {@code timeout}. A newer session of the
 * same node replaces the older one. Thread-safe.
 */
public final class SessionRegistry implements NodeHealth {
    private static final Logger LOG = LoggerFactory.getLogger(SessionRegistry.class);

    /** One agent's open stream. Writes to the stream are serialised on the session (observers are not thread-safe). */
    public static final class Session {
        private final String nodeId;
        private final ServerCallStreamObserver<SessionDownstream> out;
        private volatile Instant lastSeen;
        private boolean closed;
        private List<SessionDownstream> pendingView;

        Session(String nodeId, ServerCallStreamObserver<SessionDownstream> out, Instant now) {
            this.nodeId = nodeId;
            this.out = out;
            this.lastSeen = now;
        }

        public String nodeId() {
            return nodeId;
        }

        synchronized void send(SessionDownstream message) {
            if (!closed && !out.isCancelled()) {
                try {
                    out.onNext(message);
                } catch (RuntimeException e) {
                    LOG.debug("session send failed node={} error={}", nodeId, e.toString());
                }
            }
        }

        /**
         * Sends a view's pages back to back (no other send on this session comes between them), or, while
         * the stream has not taken the last view yet (gRPC's {@code isReady} is false: a slow or busy agent),
         * keeps them as the one pending view, replacing any older one: the newest view is all an agent needs.
         * So the stream never queues more than one view ahead of the heartbeats (before, a burst of changes
         * with a large view queued hundreds of megabytes and the agent's heartbeat timed out).
         */
        synchronized void sendView(List<SessionDownstream> pages) {
            if (closed || out.isCancelled()) {
                return;
            }
            if (!out.isReady()) {
                pendingView = pages;
                return;
            }
            pendingView = null;
            pages.forEach(this::send);
        }

        /** The stream can take more (its onReady handler): the pending view goes now. */
        synchronized void ready() {
            List<SessionDownstream> pages = pendingView;
            if (pages != null && out.isReady()) {
                pendingView = null;
                pages.forEach(this::send);
            }
        }

        synchronized void end(Status status) {
            if (!closed) {
                closed = true;
                try {
                    if (status.isOk()) {
                        out.onCompleted();
                    } else {
                        out.onError(status.asRuntimeException());
                    }
                } catch (RuntimeException e) {
                    LOG.debug("session close failed node={} error={}", nodeId, e.toString());
                }
            }
        }
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** When each node's liveness last changed (for `node inspect` and the views). */
    private final Map<String, Instant> since = new ConcurrentHashMap<>();
    private final Map<String, Liveness> last = new ConcurrentHashMap<>();
    private final InstantSource clock;
    private final Duration timeout;
    private final Instant startedAt;
    private final Runnable onChange;

    /**
     * @param timeout  heartbeat silence after which a session is declared dead
     * @param onChange called (outside any lock) whenever some node's liveness changed
     */
    public SessionRegistry(InstantSource clock, Duration timeout, Runnable onChange) {
        this.clock = clock;
        this.timeout = timeout;
        this.startedAt = clock.instant();
        this.onChange = onChange;
    }

    public Session open(String nodeId, ServerCallStreamObserver<SessionDownstream> out) {
        Session s = new Session(nodeId, out, clock.instant());
        Session old = sessions.put(nodeId, s);
        if (old != null) {
            old.end(Status.ABORTED.withDescription("replaced by a newer session of the same node"));
        }
        LOG.info("session open node={}", nodeId);
        mark(nodeId, Liveness.ALIVE);
        return s;
    }

    public void touch(Session s) {
        s.lastSeen = clock.instant();
    }

    /** The stream ended (closed, broken or cancelled by the peer). */
    public void closed(Session s, String why) {
        s.end(Status.CANCELLED.withDescription(why));
        if (sessions.remove(s.nodeId, s)) {
            LOG.info("session closed node={} reason=\"{}\"", s.nodeId, why);
            mark(s.nodeId, Liveness.DEAD);
        }
    }

    /** Ends the node's session with {@code status}, e.g. when the node is removed. */
    public void kick(String nodeId, Status status) {
        Session s = sessions.remove(nodeId);
        if (s != null) {
            s.end(status);
            mark(nodeId, Liveness.DEAD);
        }
    }

    /** Sends a heartbeat to every session and expires the silent ones; run every heartbeat period. */
    public void tick(Duration period) {
        Instant now = clock.instant();
        SessionDownstream hb = SessionDownstream.newBuilder()
                .setHeartbeat(Heartbeat.newBuilder().setPeriodMillis(period.toMillis())).build();
        for (Session s : List.copyOf(sessions.values())) {
            if (Duration.between(s.lastSeen, now).compareTo(timeout) > 0) {
                LOG.warn("heartbeat missed node={} silentMillis={}", s.nodeId, Duration.between(s.lastSeen, now).toMillis());
                kickIfCurrent(s, Status.UNAVAILABLE.withDescription("heartbeat missed"));
            } else {
                s.send(hb);
            }
        }
    }

    private void kickIfCurrent(Session s, Status status) {
        s.end(status);
        if (sessions.remove(s.nodeId, s)) {
            mark(s.nodeId, Liveness.DEAD);
        }
    }

    public void broadcast(SessionDownstream message) {
        sessions.values().forEach(s -> s.send(message));
    }

    /** Sends a view's pages to every session (each as {@link Session#sendView}). */
    public void broadcastView(List<SessionDownstream> messages) {
        sessions.values().forEach(s -> s.sendView(messages));
    }

    public void send(String nodeId, SessionDownstream message) {
        Session s = sessions.get(nodeId);
        if (s != null) {
            s.send(message);
        }
    }

    /** The current session of every connected node (a copy). */
    Map<String, Session> current() {
        return Map.copyOf(sessions);
    }

    public void closeAll(Status status) {
        for (Session s : List.copyOf(sessions.values())) {
            s.end(status);
        }
        sessions.clear();
    }

    @Override
    public Liveness liveness(String nodeId) {
        if (sessions.containsKey(nodeId)) {
            return Liveness.ALIVE;
        }
        // After a manager restart, give agents a grace period to reconnect before calling them dead.
        boolean inGrace = Duration.between(startedAt, clock.instant()).compareTo(timeout.multipliedBy(2)) < 0;
        return last.containsKey(nodeId) || !inGrace ? Liveness.DEAD : Liveness.UNKNOWN;
    }

    /** When the node's liveness last changed, or the registry's start if never. */
    public Instant since(String nodeId) {
        return since.getOrDefault(nodeId, startedAt);
    }

    private void mark(String nodeId, Liveness l) {
        Liveness prev = last.put(nodeId, l);
        if (prev != l) {
            since.put(nodeId, clock.instant());
            onChange.run();
        }
    }
}
