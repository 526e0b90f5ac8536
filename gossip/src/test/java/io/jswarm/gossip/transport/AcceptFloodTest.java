package io.jswarm.gossip.transport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.gossip.wire.MetadataCodecs;
import io.jswarm.gossip.wire.WireCodec;
import io.jswarm.proto.table.TableMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.scalecube.cluster.transport.api.Message;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, bounded resources on 7946, over real TLS on loopback: admission at accept must not wait for the
 * I/O loop. A member keeps the victim's one I/O loop busy (1 MB table frames whose handling takes 40 ms each,
 * standing in for a forged-message flood on a loaded machine), while an outsider opens 1000 new connections
 * per second. Before, accepting and refusing ran on that busy loop, 16 connections per turn: the kernel's
 * accept queue filled with the outsider's connects (each looks established to it), and an honest member's new
 * connection waited behind them, its TLS handshake timing out. Now a thread of its own accepts and refuses
 * (RST) at once: the outsider holds at most its share of unverified slots plus what can wait in the bounded
 * backlog, and the honest member's connect and first message take a few turns of the busy loop.
 */
class AcceptFloodTest {
    private static final int MAX_FRAME = 2 * 1024 * 1024; // the daemon's
    private static final Duration HANDSHAKE = Duration.ofSeconds(2); // the LAN connectTimeout
    private static final int BUSY_FRAME_BYTES = 1_000_000;
    private static final long BUSY_MILLIS = 40;
    private static final int OUTSIDER_PER_SECOND = 1000;
    /**
     * The honest member's connect + TLS handshake + first frame need about four reads on the victim (accept,
     * ClientHello, client Finished, the frame), each waiting at most one turn of the busy loop (one 1 MB frame
     * read and 40 ms of handling, ~50 ms here): ~0.2 s. 2 s leaves tenfold headroom for a loaded machine and
     * is the handshake timeout: beyond it the first attempt would have failed.
     */
    private static final Duration HONEST_BOUND = HANDSHAKE;
    /** What the outsider may hold: its source's unverified share, plus the backlog (the caps' verified total). */
    private static final int HELD_BOUND = TransportLimits.defaults().caps().maxUnverifiedPerSource()
            + TransportLimits.defaults().caps().maxVerified();

    private final CertificateAuthority ca =
            CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
    private final List<TlsTransport> started = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;

    @AfterEach
    void tearDown() throws InterruptedException {
        stop = true;
        for (Thread t : threads) {
            t.join(10_000);
        }
        started.forEach(t -> t.stop().block());
    }

    @Test
    void anOutsidersConnectFloodNeitherQueuesUpNorDelaysAnHonestMembersConnect() throws Exception {
        NodeIdentity victimId = worker();
        NodeIdentity busyId = worker();
        NodeIdentity honestId = worker();
        TlsTransport victim = start(victimId, "127.0.0.71");
        CompletableFuture<Void> busyStarted = new CompletableFuture<>();
        CompletableFuture<Long> honestArrived = new CompletableFuture<>();
        victim.tableHandler((peer, m) -> {
            if (busyId.nodeId().equals(peer)) {
                busyStarted.complete(null);
                sleep(BUSY_MILLIS); // deliberately holds the I/O loop: the cost of a flood of work on it
            } else if (honestId.nodeId().equals(peer)) {
                honestArrived.complete(System.nanoTime());
            }
        });

        TlsTransport busy = start(busyId, "127.0.0.72");
        Message big = WireCodec.tableMessage(TableMessage.newBuilder().setNetworkId("n".repeat(BUSY_FRAME_BYTES)).build());
        // Each send completes once written to the socket, so the member keeps the victim's buffers full and no more.
        background("busy-member", () -> {
            while (!stop) {
                try {
                    busy.sendTo(victimId.nodeId(), victim.address(), big).block(Duration.ofSeconds(10));
                } catch (RuntimeException e) {
                    sleep(10);
                }
            }
        });
        busyStarted.get(20, TimeUnit.SECONDS);

        InetSocketAddress target = MetadataCodecs.parseAddress(victim.address());
        AtomicLong heldMax = new AtomicLong();
        background("outsider", () -> outsider(target, heldMax));
        Thread.sleep(3000); // the flood's lead: before the fix, the accept queue holds thousands by now

        TlsTransport honest = start(honestId, "127.0.0.73");
        Message hello = WireCodec.tableMessage(TableMessage.newBuilder().setNetworkId("hello").build());
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(20);
        while (!honestArrived.isDone() && System.nanoTime() < deadline) {
            try { // as gossip does: a failed send is tried again on the next round
                honest.sendTo(victimId.nodeId(), victim.address(), hello).block(Duration.ofSeconds(5));
                honestArrived.get(5, TimeUnit.SECONDS);
            } catch (Exception failed) {
                // next attempt
            }
        }
        Thread.sleep(1000); // the flood goes on a little: heldMax covers the time after the honest connect too
        stop = true;
        long millis = honestArrived.isDone() ? TimeUnit.NANOSECONDS.toMillis(honestArrived.get() - t0) : -1;
        System.out.printf("accept flood: honest connect + first message %d ms (-1: never), outsider held at most %d%n",
                millis, heldMax.get());
        assertTrue(honestArrived.isDone(), "an honest member's message did not arrive within 20 s of the flood");
        assertTrue(millis <= HONEST_BOUND.toMillis(), "honest connect + first message took " + millis + " ms");
        assertTrue(heldMax.get() <= HELD_BOUND, "the outsider held " + heldMax.get() + " connections established");
    }

    /**
     * Opens {@link #OUTSIDER_PER_SECOND} non-blocking connects a second from its own address, never sends a byte,
     * and every 100 ms counts those still established (connected, no reset or end of stream), as the bench does.
     */
    private void outsider(InetSocketAddress target, AtomicLong heldMax) {
        List<SocketChannel> pending = new ArrayList<>();
        List<SocketChannel> open = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocate(64);
        try {
            while (!stop) {
                for (int i = 0; i < OUTSIDER_PER_SECOND / 10; i++) {
                    SocketChannel c = SocketChannel.open();
                    try {
                        c.configureBlocking(false);
                        c.bind(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.74"), 0));
                        c.connect(target);
                        pending.add(c);
                    } catch (IOException e) {
                        c.close();
                    }
                }
                sleep(100);
                for (Iterator<SocketChannel> it = pending.iterator(); it.hasNext(); ) {
                    SocketChannel c = it.next();
                    try {
                        if (c.finishConnect()) {
                            it.remove();
                            open.add(c);
                        }
                    } catch (IOException refused) {
                        it.remove();
                        c.close();
                    }
                }
                for (Iterator<SocketChannel> it = open.iterator(); it.hasNext(); ) {
                    SocketChannel c = it.next();
                    try {
                        if (c.read(buf.clear()) < 0) {
                            it.remove();
                            c.close();
                        }
                    } catch (IOException reset) {
                        it.remove();
                        c.close();
                    }
                }
                heldMax.accumulateAndGet(open.size(), Math::max);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } finally {
            for (SocketChannel c : pending) {
                closeQuietly(c);
            }
            for (SocketChannel c : open) {
                closeQuietly(c);
            }
        }
    }

    private void background(String name, Runnable r) {
        threads.add(Thread.ofPlatform().name("accept-flood-" + name).daemon().start(r));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    private NodeIdentity worker() {
        return ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
    }

    private TlsTransport start(NodeIdentity id, String ip) {
        var t = new TlsTransport(new IdentityKeyManager(id), new InetSocketAddress(InetAddress.ofLiteral(ip), 0),
                x -> false, MAX_FRAME, HANDSHAKE, new WireCodec(), new SimpleMeterRegistry());
        t.start().block();
        started.add(t);
        return t;
    }
}
