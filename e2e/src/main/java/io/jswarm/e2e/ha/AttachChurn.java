package io.jswarm.e2e.ha;

import io.jswarm.e2e.ha.AttachLedger.Kind;
import io.jswarm.e2e.ha.AttachLedger.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Attach/detach operations through the CLI on the hosts of an {@link HaCluster}, from several threads at once,
 * each one recorded in an {@link AttachLedger} (success with the answered address, or failure with its error).
 * Each thread detaches only sandboxes it attached itself, so no detach races its own attach. Operations go
 * only to hosts whose daemon runs (a stopped daemon's socket refusing is not what is being tested).
 * Sandbox names: {@code lab.sandbox(host, tag + N)}, unique per run.
 */
public final class AttachChurn {
    private static final Pattern IPV4 = Pattern.compile("(\\d+\\.\\d+\\.\\d+\\.\\d+)/\\d+");
    private final HaCluster cluster;
    private final String network;
    private final AttachLedger ledger;
    private final String tag;
    private final AtomicInteger names = new AtomicInteger();

    public AttachChurn(HaCluster cluster, String network, AttachLedger ledger, String tag) {
        this.cluster = cluster;
        this.network = network;
        this.ledger = ledger;
        this.tag = tag;
    }

    /** One attach of a new sandbox on host {@code h}; returns its name if it succeeded, else null. */
    public String attach(int h) {
        String name = cluster.lab().sandbox(h, tag + names.getAndIncrement());
        long t0 = System.nanoTime();
        HaCli.Result r = cluster.cli(h, "network", "attach", network, "--name", name);
        long t1 = System.nanoTime();
        Matcher m = IPV4.matcher(r.out());
        if (r.ok() && m.find()) {
            ledger.record(new Op(Kind.ATTACHED, h, name, m.group(1), null, t0, t1));
            return name;
        }
        ledger.record(new Op(Kind.ATTACH_FAILED, h, name, null, r.ok() ? "no address in: " + r.out().strip()
                : r.error(), t0, t1));
        return null;
    }

    public boolean detach(int h, String name) {
        long t0 = System.nanoTime();
        HaCli.Result r = cluster.cli(h, "network", "detach", name);
        long t1 = System.nanoTime();
        ledger.record(new Op(r.ok() ? Kind.DETACHED : Kind.DETACH_FAILED, h, name, null, r.ok() ? null : r.error(), t0, t1));
        return r.ok();
    }

    /**
     * {@code total} operations over {@code threads} threads; before operation number {@code hookAt} (0-based,
     * counted over all threads) the thread that draws it runs {@code hook} (e.g. a SIGKILL) while the others go on.
     * Each thread keeps up to {@code maxLive} sandboxes: below it attaches or detaches at random, at it detaches.
     */
    public void run(int total, int threads, int maxLive, long seed, int hookAt, Hook hook) throws Exception {
        AtomicInteger next = new AtomicInteger();
        List<Thread> ts = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            Random random = new Random(seed + t);
            ts.add(Thread.ofPlatform().name("churn-" + t).start(() -> {
                List<String[]> mine = new ArrayList<>(); // {host, name}
                try {
                    for (int i; (i = next.getAndIncrement()) < total; ) {
                        if (i == hookAt && hook != null) {
                            hook.run();
                        }
                        step(random, mine, maxLive, h -> true);
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
        if (!errors.isEmpty()) {
            Exception e = new IllegalStateException("churn thread failed: " + errors.getFirst(), errors.getFirst());
            errors.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    /** One operation of a thread's loop: attach on a random running host, or detach one of {@code mine}. */
    void step(Random random, List<String[]> mine, int maxLive, IntPredicate hostAllowed) throws InterruptedException {
        List<Integer> hosts = cluster.upHosts().stream().filter(hostAllowed::test).toList();
        List<String[]> detachable = mine.stream().filter(s -> cluster.isUp(Integer.parseInt(s[0]))).toList();
        boolean attach = !hosts.isEmpty() && (detachable.isEmpty() || mine.size() < maxLive && random.nextBoolean());
        if (attach) {
            int h = hosts.get(random.nextInt(hosts.size()));
            String name = attach(h);
            if (name != null) {
                mine.add(new String[] {Integer.toString(h), name});
            }
        } else if (!detachable.isEmpty()) {
            String[] s = detachable.get(random.nextInt(detachable.size()));
            if (detach(Integer.parseInt(s[0]), s[1])) {
                mine.remove(s);
            } else {
                mine.remove(s); // uncertain now; the ledger knows, the thread moves on
            }
        } else {
            Thread.sleep(50); // every host this thread may use is down
        }
    }

    /**
     * A steady stream on one host until {@code stop}: attach, and detach the oldest once more than {@code keep}
     * are live, so the host's sandbox count stays bounded. Paused while the host's daemon is down. Returns the
     * number of attaches it made (successful or not).
     */
    public Thread stream(int h, int keep, AtomicBoolean stop, AtomicInteger attaches) {
        return Thread.ofPlatform().name("stream-h" + h).start(() -> {
            java.util.ArrayDeque<String> live = new java.util.ArrayDeque<>();
            while (!stop.get()) {
                if (!cluster.isUp(h)) {
                    sleep();
                    continue;
                }
                String name = attach(h);
                attaches.incrementAndGet();
                if (name != null) {
                    live.addLast(name);
                } else {
                    sleep(); // a failing manager answers fast: do not spin
                }
                if (live.size() > keep && cluster.isUp(h)) {
                    detach(h, live.removeFirst());
                }
            }
        });
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @FunctionalInterface
    public interface Hook {
        void run() throws Exception;
    }
}
