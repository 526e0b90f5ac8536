package io.jswarm.e2e.bench;

import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.netlink.NetnsCalls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code abuse} bench's outsider: no certificate, from its own host namespace, it keeps as many idle TCP
 * connections open to each target as it can (never a byte of TLS), topping each target up to {@code perTarget}
 * once a second with at most {@code openPerSecond} new connects (a flood, but one that leaves the machine's
 * two cores to the cluster it attacks). Counts what it opened and, every second, how many the servers still
 * let it hold. One thread; {@link #close} closes everything it opened.
 */
final class Outsider implements AutoCloseable {
    private record Target(InetSocketAddress addr, List<SocketChannel> pending, List<SocketChannel> open, AtomicLong heldMax) {
    }

    private final Netns ns;
    private final List<Target> targets = new ArrayList<>();
    private final int perTarget;
    private final int openPerSecond;
    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong heldNow = new AtomicLong();
    private final AtomicLong heldMax = new AtomicLong();
    private volatile boolean stop;
    private Thread thread;

    Outsider(Path nsFile, List<InetSocketAddress> addrs, int perTarget, int openPerSecond) {
        this.ns = new Netns.AtPath(nsFile);
        for (InetSocketAddress a : addrs) {
            targets.add(new Target(a, new ArrayList<>(), new ArrayList<>(), new AtomicLong()));
        }
        this.perTarget = perTarget;
        this.openPerSecond = openPerSecond;
    }

    void start() {
        thread = Thread.ofPlatform().name("abuse-outsider").daemon().start(this::run);
    }

    long opened() {
        return opened.get();
    }

    long heldMax() {
        return heldMax.get();
    }

    /** The most connections held at once per target, e.g. {@code 192.0.2.11:2377=16 ...}. */
    String heldMaxByTarget() {
        StringBuilder b = new StringBuilder();
        for (Target t : targets) {
            b.append(b.isEmpty() ? "" : " ").append(t.addr().getHostString()).append(':').append(t.addr().getPort())
                    .append('=').append(t.heldMax().get());
        }
        return b.toString();
    }

    private void run() {
        ByteBuffer buf = ByteBuffer.allocate(256);
        while (!stop) {
            long t0 = System.nanoTime();
            long held = 0;
            for (Target t : targets) {
                sweep(t, buf);
                int want = Math.min(openPerSecond, perTarget - t.open().size() - t.pending().size());
                if (want > 0) {
                    try {
                        t.pending().addAll(NetnsCalls.inside(ns, () -> connectAll(t.addr(), want)));
                    } catch (IOException e) {
                        Bench.log("abuse: outsider connect batch failed: " + e.getMessage());
                    }
                }
                held += t.open().size();
                t.heldMax().accumulateAndGet(t.open().size(), Math::max);
            }
            heldNow.set(held);
            heldMax.accumulateAndGet(held, Math::max);
            long left = 1000 - (System.nanoTime() - t0) / 1_000_000;
            if (left > 0) {
                try {
                    Thread.sleep(left);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Non-blocking connects, started inside the namespace (the sockets stay there); finished by {@link #sweep}. */
    private List<SocketChannel> connectAll(InetSocketAddress addr, int n) throws IOException {
        List<SocketChannel> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            SocketChannel c = SocketChannel.open();
            c.configureBlocking(false);
            try {
                c.connect(addr);
            } catch (IOException e) {
                c.close();
                continue;
            }
            out.add(c);
            opened.incrementAndGet();
        }
        return out;
    }

    /** Finishes connects and drops the connections the server closed (end of stream or reset). */
    private static void sweep(Target t, ByteBuffer buf) {
        for (Iterator<SocketChannel> it = t.pending().iterator(); it.hasNext(); ) {
            SocketChannel c = it.next();
            try {
                if (c.finishConnect()) {
                    it.remove();
                    t.open().add(c);
                }
            } catch (IOException e) {
                it.remove();
                closeQuietly(c);
            }
        }
        for (Iterator<SocketChannel> it = t.open().iterator(); it.hasNext(); ) {
            SocketChannel c = it.next();
            try {
                if (c.read(buf.clear()) < 0) {
                    it.remove();
                    closeQuietly(c);
                }
            } catch (IOException e) {
                it.remove();
                closeQuietly(c);
            }
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        if (thread != null) {
            thread.join(10_000);
        }
        for (Target t : targets) {
            t.pending().forEach(Outsider::closeQuietly);
            t.open().forEach(Outsider::closeQuietly);
        }
    }
}
