package io.jswarm.gossip;

import static io.jswarm.gossip.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.gossip.replication.PeerMessenger;
import io.jswarm.gossip.replication.ReplicatorConfig;
import io.jswarm.gossip.replication.ScalecubePeerMessenger;
import io.jswarm.gossip.replication.TableReplicator;
import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.gossip.table.TableCodec;
import io.jswarm.gossip.table.TableEvent;
import io.jswarm.gossip.table.Version;
import io.jswarm.proto.table.TableMessage;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Three real members on loopback with mutual TLS, each with a replicator over its gossip transport. */
class TableReplicationIntegrationTest {
    private static final String NET = "net-int";
    private final TestCluster cluster = new TestCluster();
    private final List<TableReplicator> replicators = new ArrayList<>();

    @AfterEach
    void tearDown() {
        replicators.forEach(TableReplicator::close);
        cluster.close();
    }

    /** The sender ids the transport handed to one node, next to what its replicator got. */
    private record Recording(PeerMessenger messenger, List<String> senders) {
    }

    private static Recording recording(ScalecubeMembership m) {
        var inner = new ScalecubePeerMessenger(m);
        List<String> senders = new CopyOnWriteArrayList<>();
        return new Recording(new PeerMessenger() {
            @Override
            public void send(String nodeId, TableMessage msg) {
                inner.send(nodeId, msg);
            }

            @Override
            public void onMessage(BiConsumer<String, TableMessage> handler) {
                inner.onMessage((from, msg) -> {
                    senders.add(from);
                    handler.accept(from, msg);
                });
            }
        }, senders);
    }

    private static EndpointRecord record(String name, String owner, int host) {
        return new EndpointRecord(name, List.of(), InetAddress.ofLiteral("10.0.9." + host),
                String.format("02:42:0a:00:09:%02x", host), InetAddress.ofLiteral("192.168.9." + host), owner);
    }

    @Test
    void anUpsertOnOneNodeIsVisibleOnTheOthersAndTheSenderIsTheTlsIdentity() {
        List<TestCluster.Node> nodes = cluster.startThree();
        Set<String> ids = Set.of(nodes.get(0).id(), nodes.get(1).id(), nodes.get(2).id());
        List<Recording> recordings = new ArrayList<>();
        var config = ReplicatorConfig.DEFAULT.withAntiEntropyInterval(Duration.ofMillis(300));
        for (TestCluster.Node n : nodes) {
            Recording rec = recording(n.membership());
            recordings.add(rec);
            var r = new TableReplicator(n.id(), rec.messenger(), config, (net, changes) -> { });
            replicators.add(r);
            r.start();
            r.participants(NET, ids);
            r.join(NET);
        }
        String a = nodes.get(0).id();
        replicators.get(0).upsert(NET, "e1", record("web.1", a, 1));
        for (int i = 1; i < 3; i++) {
            TableReplicator r = replicators.get(i);
            await(Duration.ofSeconds(10), () -> r.visible(NET).containsKey("e1"), "e1 replicated");
            assertEquals("web.1", r.visible(NET).get("e1").name());
        }

        // C sends B an event that claims to be A's endpoint: B sees the message as C's (the TLS peer), not A's,
        // and refuses it. There is no sender field a peer could fill in.
        String b = nodes.get(1).id();
        String c = nodes.get(2).id();
        var forged = new TableEvent.Upserted("evil", new Version(Long.MAX_VALUE / 4, a), record("evil", a, 66));
        int before = recordings.get(1).senders().size();
        long rejectedBefore = replicators.get(1).stats().rejected();
        assertTrue(nodes.get(2).membership().sendTable(b, TableMessage.newBuilder().setNetworkId(NET)
                .setEvent(TableCodec.toProto(forged)).build()));
        await(Duration.ofSeconds(10), () -> replicators.get(1).stats().rejected() > rejectedBefore, "B refused it");
        assertTrue(recordings.get(1).senders().subList(before, recordings.get(1).senders().size()).contains(c));
        assertFalse(replicators.get(1).visible(NET).containsKey("evil"));
        assertFalse(recordings.get(1).senders().contains(b), "no message is ever attributed to the receiver itself");
        assertTrue(replicators.get(0).stats().messagesSent() > 0 && replicators.get(1).stats().bytesReceived() > 0);
        // A message to a node that is not a member is dropped, not queued.
        assertFalse(nodes.get(0).membership().sendTable("no-such-node", TableMessage.getDefaultInstance()));
    }
}
