package io.jswarm.manager.raft;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis clients of a {@link ReplicatedStore}: the writer (retrying, {@link RaftRuntime#writeRetry}) and the
 * reader (no retry), replaced when the set of managers in the division's configuration changes, so they know
 * every manager; the replaced ones are kept open until {@link #close}.
 *
 * <p>Threads: every caller of the store's submit, read, compaction and peer changes, and {@link LagNudge}'s
 * thread. The fields are guarded by this object's monitor; it is held while clients are built (no I/O) and
 * closed, as the store's was before these clients moved here.
 */
final class RaftClients {
    /** ReplicatedStore's: this line was ReplicatedStore's before this class was split out, and operators grep it. */
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatedStore.class);

    private final RaftGroupId groupId;
    private final RaftSettings settings;
    private final RaftProperties properties;
    private final Parameters parameters;
    private final Supplier<RaftConfiguration> conf;
    private final BooleanSupplier hasQuorum;
    /** Replaced when the configuration changes, so the client knows every manager (guarded by {@code this}). */
    private RaftClient writer;
    private RaftClient reader;
    private java.util.Set<String> clientPeers = java.util.Set.of();
    private final List<RaftClient> retired = new ArrayList<>();

    /** Builds nothing yet: the first {@link #writer} or {@link #reader} does. */
    RaftClients(RaftGroupId groupId, RaftSettings settings, RaftProperties properties, Parameters parameters,
                Supplier<RaftConfiguration> conf, BooleanSupplier hasQuorum) {
        this.groupId = groupId;
        this.settings = settings;
        this.properties = properties;
        this.parameters = parameters;
        this.conf = conf;
        this.hasQuorum = hasQuorum;
    }

    /** The clients, rebuilt when the configuration changed so they know every current manager. */
    synchronized RaftClient writer() {
        refresh();
        return writer;
    }

    synchronized RaftClient reader() {
        refresh();
        return reader;
    }

    private void refresh() {
        var conf = this.conf.get();
        // Rebuilt only when the set of managers changes: a new leader writes a configuration entry of its own (the
        // index moves at every election), and a client rebuilt then lost the writes in flight on the old one.
        java.util.Set<String> at = new java.util.TreeSet<>();
        conf.getAllPeers().forEach(p -> at.add(p.getId() + "@" + p.getAddress()));
        if (writer != null && at.equals(clientPeers)) {
            return;
        }
        // Not closed now: a submit on another thread may be using them. Configuration changes are rare (a manager
        // joins or leaves), so the retired clients are few; they are closed with the store.
        if (writer != null) {
            retired.add(writer);
            retired.add(reader);
        }
        // A joiner's own configuration is empty until the leader adds it: its clients dial the join response's voters.
        var known = new java.util.LinkedHashMap<RaftPeerId, org.apache.ratis.protocol.RaftPeer>();
        conf.getAllPeers().forEach(p -> known.put(p.getId(), p));
        settings.joinPeers().forEach(p -> known.putIfAbsent(RaftPeerId.valueOf(p.nodeId()), RaftRuntime.peer(p.nodeId(), p.raftAddr())));
        RaftGroup group = RaftGroup.valueOf(groupId, known.values());
        writer = RaftRuntime.client(properties, parameters, group, RaftRuntime.writeRetry(settings, hasQuorum));
        reader = RaftRuntime.client(RaftRuntime.readerProperties(properties), parameters, group, RetryPolicies.noRetry());
        clientPeers = at;
    }

    /** Closes the current and the retired clients (the store's close). */
    synchronized void close() {
        closeQuietly(writer);
        closeQuietly(reader);
        retired.forEach(RaftClients::closeQuietly);
        retired.clear();
        writer = null;
        reader = null;
    }

    private static void closeQuietly(RaftClient c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                LOG.debug("raft client close failed error={}", e.toString());
            }
        }
    }
}
