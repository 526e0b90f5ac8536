package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * An in-memory {@link Kernel}: namespaces keyed by path (plus the implicit {@link Netns.Current}), each with
 * links, addresses, routes, neighbour and FDB entries, following the kernel's rules closely enough that
 * {@code KernelContractTest} passes against it and against the real kernel alike. Notably:
 * <ul>
 *   <li>a VXLAN device reserves its VNI+port in the namespace it was <em>created</em> in, even after a move,
 *       until it is deleted (so a leftover moved device still blocks a new one: Swarm's "file exists");</li>
 *   <li>deleting one veth end deletes the other; deleting a namespace deletes its devices, the far ends of
 *       their veths, and the VXLAN devices created in it wherever they went;</li>
 *   <li>moving a device brings it down and drops its master and addresses;</li>
 *   <li>a gateway route needs the gateway on a connected subnet of an up device.</li>
 * </ul>
 * It also records what it was asked ({@link #calls()}, {@link #applyCount()}), can be told to fail changes
 * ({@link #failNthChange}, {@link #failWhen}), and gives a comparable {@link #snapshot()}. XFRM SAs and policies
 * live per namespace ({@link FakeXfrm}); {@link #setEspSupported}, {@link #emitXfrm} and {@link #countXfrm} play
 * the kernel's part. Thread-safe: one lock.
 */
public final class FakeKernel implements Kernel {

    /** One change handed to {@link #apply}: {@code errno} 0 if it was applied, else why it was refused. */
    public record Call(Netns ns, KernelChange change, int errno) {
        public boolean ok() {
            return errno == 0;
        }
    }

    /** The complete state of one namespace, comparable with {@code equals}. */
    public record NamespaceState(List<Link> links, List<Address> addresses, List<Route> routes,
                                 List<Neighbor> neighbors, List<FdbEntry> fdb, List<PortFilter> filters,
                                 List<XfrmState> xfrmStates, List<XfrmPolicy> xfrmPolicies) {
        public NamespaceState(List<Link> links, List<Address> addresses, List<Route> routes, List<Neighbor> neighbors,
                              List<FdbEntry> fdb) {
            this(links, addresses, routes, neighbors, fdb, List.of(), List.of(), List.of());
        }
    }

    /** One gratuitous ARP {@link #announce} would have sent. */
    public record Announcement(Netns ns, String dev, InetAddress ip, MacAddress mac) {
    }

    private record XfrmWatch(Netns ns, Consumer<XfrmEvent> listener) {
    }

    private record Fault(BiPredicate<Netns, KernelChange> match, int errno) {
    }

    private final Map<Netns, FakeNetns> namespaces = new LinkedHashMap<>();
    private final FakeChanges changes = new FakeChanges(this);
    private final List<Call> calls = new ArrayList<>();
    private final List<String> namespaceOps = new ArrayList<>();
    private final List<Fault> faults = new ArrayList<>();
    private final List<Announcement> announcements = new ArrayList<>();
    private final List<XfrmWatch> xfrmWatches = new java.util.concurrent.CopyOnWriteArrayList<>();
    private boolean espSupported = true;
    private int applyCount;
    private long changeCounter;
    private long recordedChanges;
    private boolean recording = true;
    private boolean closed;

    public FakeKernel() {
        namespaces.put(Netns.current(), new FakeNetns(Netns.current()));
    }

    // ---- Kernel ----

    @Override
    public synchronized Netns createNamespace(Path path) throws IOException {
        Netns ns = Netns.at(path);
        if (namespaces.containsKey(ns)) {
            throw new FileAlreadyExistsException(path.toString(), null, "a network namespace is already bound there");
        }
        namespaces.put(ns, new FakeNetns(ns));
        namespaceOps.add("create " + path);
        return ns;
    }

    @Override
    public synchronized void deleteNamespace(Path path) {
        FakeNetns gone = namespaces.remove(Netns.at(path));
        if (gone == null) {
            return;
        }
        namespaceOps.add("delete " + path);
        for (FakeLink l : List.copyOf(gone.links.values())) {
            destroy(l);
        }
        // VXLAN devices die with the namespace they were created in, wherever they were moved to.
        for (FakeNetns other : namespaces.values()) {
            for (FakeLink l : List.copyOf(other.links.values())) {
                if (l.vxlan != null && gone.id.equals(l.creationNs)) {
                    destroy(l);
                }
            }
        }
    }

    @Override
    public synchronized boolean namespaceExists(Path path) {
        return namespaces.containsKey(Netns.at(path));
    }

    /**
     * The fake's host namespace is {@link Netns#current()}; the files that name it on Linux do here too, and so
     * does every path {@link #bindHostNamespace} bound it at (by identity, as the kernel compares nsfs inodes).
     */
    @Override
    public synchronized boolean isHostNamespace(Path path) {
        FakeNetns host = namespaces.get(Netns.current());
        return io.jswarm.vxlan.kernel.HostNamespaces.HOST_FILES.contains(path)
                || namespaces.get(Netns.at(path)) == host;
    }

    /** As {@code mount --bind /proc/1/ns/net PATH}: the host namespace, reachable at a second path. */
    public synchronized void bindHostNamespace(Path path) {
        namespaces.put(Netns.at(path), namespaces.get(Netns.current()));
    }

    @Override
    public synchronized void apply(Netns ns, List<? extends KernelChange> batch) throws IOException {
        applyCount++;
        FakeNetns target = existing(ns);
        List<KernelException> failures = new ArrayList<>();
        for (KernelChange change : batch) {
            changeCounter++;
            try {
                Fault fault = takeFault(ns, change);
                if (fault != null) {
                    throw FakeChanges.error("injected", change, fault.errno(), "fault injected by FakeKernel");
                }
                changes.apply(target, change);
                record(new Call(ns, change, 0));
            } catch (KernelException e) {
                record(new Call(ns, change, e.errno()));
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            throw failures.size() == 1 ? failures.getFirst() : new KernelException(failures);
        }
    }

    @Override
    public synchronized List<Link> links(Netns ns) throws IOException {
        return existing(ns).linkDump();
    }

    @Override
    public synchronized List<Address> addresses(Netns ns) throws IOException {
        return List.copyOf(existing(ns).addresses);
    }

    @Override
    public synchronized List<Route> routes(Netns ns) throws IOException {
        return existing(ns).routeDump();
    }

    @Override
    public synchronized List<Neighbor> neighbors(Netns ns) throws IOException {
        return List.copyOf(existing(ns).neighbors.values());
    }

    @Override
    public synchronized List<FdbEntry> fdb(Netns ns) throws IOException {
        return List.copyOf(existing(ns).fdb.values());
    }

    @Override
    public synchronized java.util.Optional<PortFilter> portFilter(Netns ns, String dev) throws IOException {
        FakeLink link = existing(ns).link(dev);
        if (link == null) {
            throw new KernelException("RTM_GETTFILTER dev " + dev, null, FakeChanges.ENODEV, "ENODEV",
                    "device " + dev + " not found");
        }
        return java.util.Optional.ofNullable(link.filter);
    }

    @Override
    public synchronized void announce(Netns ns, String dev, Map<InetAddress, MacAddress> addresses)
            throws IOException {
        FakeNetns target = existing(ns);
        List<Announcement> out = new ArrayList<>();
        for (var e : addresses.entrySet()) {
            if (e.getKey() instanceof Inet4Address) {
                out.add(new Announcement(ns, dev, e.getKey(), e.getValue()));
            }
        }
        if (!out.isEmpty() && target.links.get(dev) == null) {
            throw new KernelException("announce on " + dev, null, FakeChanges.ENODEV, "ENODEV",
                    "device " + dev + " not found");
        }
        announcements.addAll(out);
    }

    /** Every gratuitous ARP {@link #announce} sent since the last {@link #clearRecords()}, in order. */
    public synchronized List<Announcement> announcements() {
        return List.copyOf(announcements);
    }

    @Override
    public synchronized List<XfrmState> xfrmStates(Netns ns) throws IOException {
        return existing(ns).xfrm.states();
    }

    @Override
    public synchronized List<XfrmPolicy> xfrmPolicies(Netns ns) throws IOException {
        return existing(ns).xfrm.policies();
    }

    /** The listener runs on the thread that calls {@link #emitXfrm} (the fake has no reader thread). */
    @Override
    public synchronized AutoCloseable watchXfrm(Netns ns, Consumer<XfrmEvent> listener) throws IOException {
        existing(ns);
        XfrmWatch watch = new XfrmWatch(ns, java.util.Objects.requireNonNull(listener));
        xfrmWatches.add(watch);
        return () -> xfrmWatches.remove(watch);
    }

    /** Default {@code true}; see {@link #setEspSupported}. */
    @Override
    public synchronized boolean espSupported() {
        return espSupported;
    }

    /** {@code false}: a kernel without esp4, which refuses every SA with ENOSYS and answers {@link #espSupported} so. */
    public synchronized void setEspSupported(boolean supported) {
        espSupported = supported;
    }

    /**
     * As the kernel's XFRM_MSG_EXPIRE: hands {@code event} to every watcher of {@code ns} on this thread, outside
     * the fake's lock; a hard expiry first deletes the SA, as Linux does.
     */
    public void emitXfrm(Netns ns, XfrmEvent event) throws IOException {
        synchronized (this) {
            FakeNetns n = existing(ns);
            if (event instanceof XfrmEvent.Expired e && e.hard()) {
                n.xfrm.expireHard(e.id());
            }
        }
        for (XfrmWatch w : xfrmWatches) {
            if (w.ns().equals(ns)) {
                w.listener().accept(event);
            }
        }
    }

    /** As traffic would: {@code id}'s counters become {@code counters} (bypasses the call records). */
    public synchronized void countXfrm(Netns ns, XfrmId id, XfrmCounters counters) throws IOException {
        existing(ns).xfrm.count(id, counters);
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    // ---- recording ----

    private void record(Call call) {
        recordedChanges++;
        if (recording) {
            calls.add(call);
        }
    }

    /**
     * Whether {@link #calls()} keeps every change (default). A scale benchmark turns it off to keep memory flat;
     * {@link #applyCount()}, {@link #changeCount()} and {@link #mutationCount()} keep counting either way.
     */
    public synchronized void setRecording(boolean on) {
        recording = on;
    }

    /** Changes handed to {@link #apply} (applied or refused) since the last {@link #clearRecords()}. */
    public synchronized long changeCount() {
        return recordedChanges;
    }

    /** Every change handed to {@link #apply} since the last {@link #clearRecords()}, in order. */
    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    /** The changes applied (successfully) in {@code ns}. */
    public synchronized List<KernelChange> changes(Netns ns) {
        return calls.stream().filter(c -> c.ns().equals(ns) && c.ok()).map(Call::change).toList();
    }

    /** Number of {@link #apply} calls (batches) since the last {@link #clearRecords()}. */
    public synchronized int applyCount() {
        return applyCount;
    }

    /** "create PATH" / "delete PATH" for every namespace created or deleted, in order. */
    public synchronized List<String> namespaceOps() {
        return List.copyOf(namespaceOps);
    }

    /** Changes plus namespace creations and deletions: zero means the kernel was left alone. */
    public synchronized long mutationCount() {
        return recordedChanges + namespaceOps.size();
    }

    public synchronized void clearRecords() {
        calls.clear();
        announcements.clear();
        namespaceOps.clear();
        applyCount = 0;
        recordedChanges = 0;
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    // ---- fault injection ----

    /** Refuses the {@code n}-th change (1-based) handed to {@link #apply} from now on with {@code errno}. */
    public synchronized void failNthChange(int n, int errno) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        long at = changeCounter + n;
        faults.add(new Fault((ns, c) -> changeCounter == at, errno));
    }

    /** Refuses the next change matching {@code match} with {@code errno}, once. */
    public synchronized void failWhen(BiPredicate<Netns, KernelChange> match, int errno) {
        faults.add(new Fault(match, errno));
    }

    public synchronized void clearFaults() {
        faults.clear();
    }

    private Fault takeFault(Netns ns, KernelChange change) {
        for (Fault f : faults) {
            if (f.match().test(ns, change)) {
                faults.remove(f);
                return f;
            }
        }
        return null;
    }

    // ---- the kernel's own entries ----

    /**
     * Adds a neighbour entry the way the kernel itself would (learned, incomplete: not permanent, MAC may be
     * null), bypassing {@link #apply} and the call records. For tests that code must leave such rows alone.
     */
    public synchronized void learnNeighbor(Netns ns, Neighbor entry) throws IOException {
        FakeNetns n = existing(ns);
        if (n.link(entry.dev()) == null) {
            throw new IllegalArgumentException("no device " + entry.dev() + " in " + ns);
        }
        n.neighbors.put(new FakeNetns.NeighborKey(entry.dev(), entry.ip()), entry);
    }

    /** Adds an FDB row the way the kernel would (e.g. a bridge port's own MAC), bypassing the call records. */
    public synchronized void learnFdb(Netns ns, FdbEntry entry) throws IOException {
        FakeNetns n = existing(ns);
        if (n.link(entry.dev()) == null) {
            throw new IllegalArgumentException("no device " + entry.dev() + " in " + ns);
        }
        n.fdb.put(new FakeNetns.FdbKey(entry.dev(), entry.mac(), entry.self()), entry);
    }

    // ---- inspection ----

    /** The whole fake, namespace by namespace (sorted by name), for before/after comparisons. */
    public synchronized Map<String, NamespaceState> snapshot() {
        Map<String, NamespaceState> out = new TreeMap<>();
        for (FakeNetns ns : namespaces.values()) {
            out.put(ns.id.toString(), new NamespaceState(ns.linkDump(), List.copyOf(ns.addresses),
                    ns.routeDump(), List.copyOf(ns.neighbors.values()), List.copyOf(ns.fdb.values()),
                    ns.links.values().stream().map(l -> l.filter).filter(java.util.Objects::nonNull).toList(),
                    ns.xfrm.states(), ns.xfrm.policies()));
        }
        return out;
    }

    /** Every namespace the fake holds, including {@link Netns.Current}. */
    public synchronized List<Netns> namespaces() {
        return List.copyOf(namespaces.keySet());
    }

    // ---- package-private helpers for FakeChanges ----

    FakeNetns namespace(Netns ns) {
        return namespaces.get(ns);
    }

    Collection<FakeNetns> allNamespaces() {
        return namespaces.values();
    }

    /** Deletes a device and, for a veth, its peer wherever that is. */
    void destroy(FakeLink link) {
        link.ns.detach(link);
        FakeLink peer = link.peer;
        if (peer != null) {
            link.peer = null;
            peer.peer = null;
            peer.ns.detach(peer);
        }
    }

    private FakeNetns existing(Netns ns) throws NoSuchFileException {
        FakeNetns n = namespaces.get(ns);
        if (n == null) {
            throw new NoSuchFileException(ns.toString(), null, "no network namespace bound there");
        }
        return n;
    }
}
