package io.jswarm.gossip.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.gossip.wire.WireCodec;
import io.jswarm.proto.table.TableMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.scalecube.cluster.Member;
import io.scalecube.cluster.fdetector.FailureDetectorImpl;
import io.scalecube.cluster.transport.api.Message;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One connection per pair: once B has heard from A over A's connection (scalecube names its sender), B's
 * messages to A's address go back over that verified connection instead of a second handshake; the receiver
 * still names the sender from the certificate. Before, a full mesh of N in-JVM nodes held 4 N (N - 1) sockets
 * and the 100-node scale bench died of "Too many open files" while forming membership.
 */
class TlsTransportReuseTest {
    private final CertificateAuthority ca =
            CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
    private final List<TlsTransport> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(t -> t.stop().block());
    }

    @Test
    void aReplyGoesBackOverTheConnectionThePeerOpened() throws Exception {
        NodeIdentity idA = ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
        NodeIdentity idB = ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
        var regA = new SimpleMeterRegistry();
        var regB = new SimpleMeterRegistry();
        TlsTransport a = start(idA, "127.0.0.31", regA);
        TlsTransport b = start(idB, "127.0.0.32", regB);
        BlockingQueue<String> atA = new LinkedBlockingQueue<>();
        a.tableHandler((peer, m) -> atA.add(peer));
        BlockingQueue<Message> atB = new LinkedBlockingQueue<>();
        b.listen().subscribe(atB::add);

        a.send(b.address(), ping(a.address())).block(Duration.ofSeconds(10));
        assertEquals(a.address(), atB.poll(10, TimeUnit.SECONDS).sender(), "B heard A");

        var table = WireCodec.tableMessage(TableMessage.newBuilder().setNetworkId("n1").build());
        b.sendTo(idA.nodeId(), a.address(), table).block(Duration.ofSeconds(10));
        assertEquals(idB.nodeId(), atA.poll(10, TimeUnit.SECONDS), "A names B from B's certificate");
        b.send(a.address(), ping(b.address())).block(Duration.ofSeconds(10));

        assertEquals(1, handshakes(regA, "client"), "A dialled B once");
        assertEquals(0, handshakes(regB, "client"), "B never dialled A: it answered over A's connection");
        assertEquals(1, handshakes(regB, "server"));
    }

    @Test
    void aTableMessageIsNotSentToAnotherNodeAtTheAddress() {
        NodeIdentity idA = ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
        TlsTransport a = start(idA, "127.0.0.33", new SimpleMeterRegistry());
        TlsTransport b = start(ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1)), "127.0.0.34",
                new SimpleMeterRegistry());
        BlockingQueue<String> atB = new LinkedBlockingQueue<>();
        b.tableHandler((peer, m) -> atB.add(peer));
        var table = WireCodec.tableMessage(TableMessage.newBuilder().setNetworkId("n1").build());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> a.sendTo("someone-else", b.address(), table).block(Duration.ofSeconds(10)));
        assertEquals(0, atB.size());
    }

    private TlsTransport start(NodeIdentity id, String ip, SimpleMeterRegistry registry) {
        var t = new TlsTransport(new IdentityKeyManager(id), new InetSocketAddress(InetAddress.ofLiteral(ip), 0),
                x -> false, 1 << 20, Duration.ofSeconds(5), new WireCodec(), registry);
        t.start().block();
        started.add(t);
        return t;
    }

    private static Message ping(String from) {
        Member a = new Member("a", null, from, "ns");
        Member b = new Member("b", null, "127.0.0.1:1", "ns");
        return Message.withData(io.scalecube.cluster.fdetector.JswarmWireAccess.pingData(a, b, null, null))
                .qualifier(FailureDetectorImpl.PING).correlationId("c").sender(from).build();
    }

    private static long handshakes(SimpleMeterRegistry r, String side) {
        return r.get("jswarm.gossip.handshakes").tag("side", side).timer().count();
    }
}
