package io.jswarm.manager.keys;

import io.jswarm.encryption.esp.DataKeyRoot;
import io.jswarm.manager.state.StateView;
import io.jswarm.proto.state.AddDataKey;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.DataKey;
import io.jswarm.proto.state.DataKeyPhase;
import io.jswarm.proto.state.PromoteDataKey;
import io.jswarm.proto.state.RetireDataKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives data-key rotation, make-before-break: a new generation is added INBOUND (every node installs its
 * SAs but keeps sending with the primary), promoted once every ready node reported it installed
 * ({@code installed_keys_index >=} the AddDataKey's log index) or the promote deadline passed, and the former
 * primary retired after the grace. Starts: the first generation at start ("init", PRIMARY at once), by
 * interval, on request ({@code rotate-keys}), on a node's soft-limit report (at most one per
 * {@link KeyRotationConfig#volumeSpacing}, whoever asks), and when a node is removed (queued if a rotation
 * is under way: it must not be lost).
 *
 * <p>Not thread-safe: one owner thread calls every method (the manager's keys thread); clock and randomness
 * come in through the constructor. Everything it decides is a log command, so a restart resumes from the
 * state: an INBOUND generation gets a fresh deadline, a RETIRING one a fresh grace.
 */
public final class KeyRotation {
    private static final Logger LOG = LoggerFactory.getLogger(KeyRotation.class);

    /** What the driver needs from the manager. */
    public interface Port {
        StateView view();

        /** Submits; the committed log index, or empty if refused (the port logs why). */
        Optional<Long> submit(Command command);

        /** The nodes that are READY now (the manager's own included). */
        Collection<String> readyNodes();

        /** The highest {@code installed_keys_index} the node reported (0: none). */
        long installed(String nodeId);

        /** The keys changed: push every node its DataKeys. */
        void keysChanged();
    }

    /** The answer to a start request. */
    public sealed interface Start {
        record Started(int generation) implements Start {
        }

        /** Not started: {@code why} (one under way, rate-limited, stale). */
        record NotStarted(String why) implements Start {
        }
    }

    private record Rollout(int generation, long addIndex, Instant deadline) {
    }

    private final KeyRotationConfig config;
    private final InstantSource clock;
    private final SecureRandom entropy;
    private final RootSeal seal;
    private final Port port;
    private Rollout rollout;
    /** RETIRING generation → when it goes. */
    private final Map<Integer, Instant> retireAt = new TreeMap<>();
    private String queued;
    private Instant lastVolume = Instant.MIN;

    public KeyRotation(KeyRotationConfig config, InstantSource clock, SecureRandom entropy, RootSeal seal, Port port) {
        this.config = config;
        this.clock = clock;
        this.entropy = entropy;
        this.seal = seal;
        this.port = port;
    }

    /** Picks up where the state is: makes the first generation, or resumes a rotation under way. */
    public void start() {
        StateView s = port.view();
        Instant now = clock.instant();
        if (s.dataKeys().isEmpty()) {
            add("init", DataKeyPhase.DATA_KEY_PRIMARY);
            return;
        }
        // Acks of DataKeys derived at the current index or later certainly include the INBOUND generation.
        s.inboundDataKey().ifPresent(k -> rollout = new Rollout(k.getGeneration(), s.index(), now.plus(config.promoteDeadline())));
        s.dataKeys().stream().filter(k -> k.getPhase() == DataKeyPhase.DATA_KEY_RETIRING)
                .forEach(k -> retireAt.put(k.getGeneration(), now.plus(config.retireGrace())));
    }

    /** {@code rotate-keys}: a new generation now, unless one is under way. */
    public Start rotate(String reason) {
        sync(clock.instant());
        if (rollout != null) {
            return new Start.NotStarted("a key rotation is already under way (generation " + rollout.generation()
                    + " is not promoted yet)");
        }
        if (retireAt.size() >= 2) {
            return new Start.NotStarted("two former generations are still being retired; try again in "
                    + config.retireGrace().toSeconds() + " s");
        }
        return add(reason, DataKeyPhase.DATA_KEY_INBOUND);
    }

    /**
     * A node's SA of {@code generation} reached its soft limit. Only the primary's counts (a report about
     * an older one is stale), and at most one such rotation per spacing period, whoever reports.
     */
    public Start volume(String nodeId, int generation) {
        Optional<DataKey> primary = port.view().primaryDataKey();
        if (primary.isEmpty() || primary.get().getGeneration() != generation) {
            return new Start.NotStarted("generation " + generation + " is not the primary");
        }
        Instant now = clock.instant();
        if (lastVolume != Instant.MIN && now.isBefore(lastVolume.plus(config.volumeSpacing()))) {
            return new Start.NotStarted("a volume rotation ran less than " + config.volumeSpacing().toSeconds() + " s ago");
        }
        Start s = rotate("volume");
        if (s instanceof Start.Started) {
            lastVolume = now;
            LOG.info("key rotation requested by node={} generation={}", nodeId, generation);
        }
        return s;
    }

    /** A node was removed: rotate (after the one under way, if any), so it cannot read later traffic. */
    public void nodeRemoved(String nodeId) {
        String reason = "node-removed " + nodeId;
        if (rotate(reason) instanceof Start.NotStarted n) {
            LOG.info("key rotation queued reason=\"{}\" because=\"{}\"", reason, n.why());
            queued = reason;
        }
    }

    /** Looks at what is due: promotion (all acked or deadline), retirement, the interval, a queued start. */
    public void tick() {
        Instant now = clock.instant();
        sync(now);
        if (rollout != null && (allInstalled(rollout.addIndex()) || !now.isBefore(rollout.deadline()))) {
            promote(now);
        }
        for (var e : Map.copyOf(retireAt).entrySet()) {
            if (!now.isBefore(e.getValue())) {
                retireAt.remove(e.getKey());
                if (port.submit(Command.newBuilder().setRetireDataKey(RetireDataKey.newBuilder()
                        .setGeneration(e.getKey())).build()).isPresent()) {
                    LOG.info("data key retired generation={}", e.getKey());
                    port.keysChanged();
                }
            }
        }
        if (rollout == null && queued != null) {
            String q = queued;
            if (rotate(q) instanceof Start.Started) {
                queued = null;
            }
        }
        // Read again: a promotion above changed the primary (the one read at the start may be the old one,
        // whose age would start another rotation at once).
        Optional<DataKey> primary = port.view().primaryDataKey();
        if (rollout == null && primary.isPresent()
                && !now.isBefore(Instant.ofEpochMilli(primary.get().getCreatedAtMillis()).plus(config.interval()))) {
            rotate("interval");
        }
    }

    /**
     * Issue 12: the state is the truth, this driver's memory only its timers. Another manager (a follower's
     * {@code rotate-keys}, an earlier leader) may have added or promoted a generation: adopt what the state
     * says is rolling out or retiring, forget what it no longer holds.
     */
    private void sync(Instant now) {
        StateView s = port.view();
        Optional<DataKey> inbound = s.inboundDataKey();
        if (inbound.isEmpty()) {
            rollout = null;
        } else if (rollout == null || rollout.generation() != inbound.get().getGeneration()) {
            rollout = new Rollout(inbound.get().getGeneration(), s.index(), now.plus(config.promoteDeadline()));
        }
        var retiring = s.dataKeys().stream().filter(k -> k.getPhase() == DataKeyPhase.DATA_KEY_RETIRING)
                .map(DataKey::getGeneration).toList();
        retireAt.keySet().retainAll(retiring);
        retiring.forEach(g -> retireAt.putIfAbsent(g, now.plus(config.retireGrace())));
    }

    /** The generation being rolled out, if any (tests, metrics). */
    public Optional<Integer> rollingOut() {
        return Optional.ofNullable(rollout).map(Rollout::generation);
    }

    private boolean allInstalled(long index) {
        return port.readyNodes().stream().allMatch(n -> port.installed(n) >= index);
    }

    private void promote(Instant now) {
        Rollout r = rollout;
        rollout = null;
        boolean all = allInstalled(r.addIndex());
        int former = port.view().primaryDataKey().map(DataKey::getGeneration).orElse(0);
        if (port.submit(Command.newBuilder().setPromoteDataKey(PromoteDataKey.newBuilder()
                .setGeneration(r.generation())).build()).isEmpty()) {
            return;
        }
        if (former != 0) {
            retireAt.put(former, now.plus(config.retireGrace()));
        }
        LOG.info("data key promoted generation={} former={} allInstalled={}", r.generation(), former, all);
        port.keysChanged();
    }

    private Start add(String reason, DataKeyPhase phase) {
        StateView s = port.view();
        int generation = s.dataKeys().isEmpty() ? 1 : s.dataKeys().getLast().getGeneration() + 1;
        DataKeyRoot root = DataKeyRoot.generate(entropy);
        Command c = Command.newBuilder().setAddDataKey(AddDataKey.newBuilder().setReason(reason).setKey(DataKey.newBuilder()
                .setGeneration(generation).setPhase(phase).setCreatedAtMillis(clock.millis())
                .setRootSealed(seal.seal(root, generation)))).build();
        Optional<Long> index = port.submit(c);
        if (index.isEmpty()) {
            return new Start.NotStarted("the manager state refused generation " + generation);
        }
        if (phase == DataKeyPhase.DATA_KEY_INBOUND) {
            rollout = new Rollout(generation, index.get(), clock.instant().plus(config.promoteDeadline()));
        }
        LOG.info("data key added generation={} phase={} reason=\"{}\"", generation, phase.name(), reason);
        port.keysChanged();
        return new Start.Started(generation);
    }
}
