package io.jswarm.gossip.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.gossip.wire.WireCodec;
import io.jswarm.proto.table.TableMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What the rejoin rounds do to connections, between two real transports on loopback: {@code redial} keeps an
 * established connection, {@code refresh} and {@code disconnect} close ours without reporting it to our own
 * listener (only the peer sees its end), and the next send dials afresh.
 */
class TlsTransportRefreshTest {
    private final CertificateAuthority ca =
            CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());

    private TlsTransport transport(NodeIdentity id, String ip, List<String> disconnects) {
        var t = new TlsTransport(new io.jswarm.encryption.tls.IdentityKeyManager(id),
                new InetSocketAddress(InetAddress.ofLiteral(ip), 0), n -> false, 1 << 20,
                Duration.ofSeconds(2), new WireCodec(), new SimpleMeterRegistry());
        t.listener(new TransportListener() {
            @Override
            public void onPeerDisconnected(String nodeId) {
                disconnects.add(nodeId);
            }

            @Override
            public void onConnectRefused(String address) {
            }
        });
        return t;
    }

    @Test
    void redialKeepsAnEstablishedConnectionRefreshAndDisconnectCloseOursQuietly() throws Exception {
        NodeIdentity aId = ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
        NodeIdentity bId = ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
        List<String> atA = new CopyOnWriteArrayList<>();
        List<String> atB = new CopyOnWriteArrayList<>();
        TlsTransport a = transport(aId, "127.0.0.8", atA);
        TlsTransport b = transport(bId, "127.0.0.9", atB);
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        b.tableHandler((peer, m) -> received.add(peer + ":" + m.getNetworkId()));
        a.start().block();
        b.start().block();
        try {
            send(a, b, "1");
            assertEquals(aId.nodeId() + ":1", received.poll(5, TimeUnit.SECONDS));

            a.redial(b.address()); // established: kept
            send(a, b, "2");
            assertEquals(aId.nodeId() + ":2", received.poll(5, TimeUnit.SECONDS));
            assertEquals(List.of(), atB, "redial closed nothing");

            a.refresh(b.address());
            awaitSize(atB, 1); // b sees its end of the old connection
            send(a, b, "3");
            assertEquals(aId.nodeId() + ":3", received.poll(5, TimeUnit.SECONDS), "the next send dialed afresh");

            a.disconnect(bId.nodeId());
            awaitSize(atB, 2);
            send(a, b, "4");
            assertEquals(aId.nodeId() + ":4", received.poll(5, TimeUnit.SECONDS));
            assertEquals(List.of(), atA, "closing our own connections is no news about the peer");
        } finally {
            a.stop().block();
            b.stop().block();
        }
    }

    private static void send(TlsTransport from, TlsTransport to, String networkId) {
        from.send(to.address(), WireCodec.tableMessage(TableMessage.newBuilder().setNetworkId(networkId).build()))
                .block(Duration.ofSeconds(5));
    }

    private static void awaitSize(List<String> list, int size) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (list.size() < size && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(list.size() >= size, "expected " + size + " disconnects, saw " + list);
    }
}
