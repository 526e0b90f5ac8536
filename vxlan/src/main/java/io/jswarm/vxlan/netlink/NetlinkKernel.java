package io.jswarm.vxlan.netlink;

import static io.jswarm.vxlan.netlink.Rtnl.*;

import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FdbEntry;
import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelException;
import io.jswarm.vxlan.kernel.KernelListener;
import io.jswarm.vxlan.kernel.Link;
import io.jswarm.vxlan.kernel.Neighbor;
import io.jswarm.vxlan.kernel.PortFilter;
import io.jswarm.vxlan.kernel.Route;
import io.jswarm.vxlan.kernel.XfrmEvent;
import io.jswarm.vxlan.kernel.XfrmPolicy;
import io.jswarm.vxlan.kernel.XfrmState;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Kernel} over rtnetlink through java.lang.foreign: one netlink socket per namespace, opened inside
 * it on a platform thread at first use and cached by path. A namespace deleted and recreated at the same
 * path is a different namespace (its nsfs inode differs), so the cached socket is replaced. Thread-safe;
 * calls on one namespace are serialised, calls on different namespaces run in parallel.
 *
 * <p>XFRM changes and dumps use a second socket per namespace (NETLINK_XFRM, {@link XfrmSession}); each
 * {@link #watchXfrm} has a socket and a reader thread of its own, until it or this kernel is closed (an open watch
 * keeps its namespace alive after {@link #deleteNamespace}, as any socket in it does).
 *
 * <p>The constructor opens nothing. Call {@link Netlink#isAvailable()} at start-up: it pays the one-off FFM
 * linking cost there and tells whether native access is enabled.
 */
public final class NetlinkKernel implements Kernel {
    private static final Logger LOG = LoggerFactory.getLogger(NetlinkKernel.class);

    private final Settings settings;
    private final KernelListener listener;
    private final Map<Netns, NamespaceSession> sessions = new ConcurrentHashMap<>();
    /** NETLINK_XFRM sessions, each valid while its namespace's rtnetlink session is the current one. */
    private final Map<Netns, XfrmEntry> xfrmSessions = new ConcurrentHashMap<>();
    private volatile Boolean espSupported;
    /** Open expire watches: closed with the kernel (each also closes on its own). */
    private final java.util.Set<XfrmWatch> watches = ConcurrentHashMap.newKeySet();
    private final Object opening = new Object();
    private volatile boolean closed;

    private record XfrmEntry(NamespaceSession owner, XfrmSession session) {
    }

    /**
     * Socket and batch sizing. The receive buffer is forced (SO_RCVBUFFORCE) so the errors of a whole batch
     * fit; a batch never has more requests than that buffer has room for errors.
     */
    public record Settings(int receiveBufferBytes, int sendBufferBytes, int maxBatchMessages, int maxBatchBytes) {
        public Settings {
            if (receiveBufferBytes < 4096 || sendBufferBytes < 65536 || maxBatchMessages < 1
                    || maxBatchBytes < 4096 || maxBatchBytes > sendBufferBytes) {
                throw new IllegalArgumentException("bad netlink settings: " + receiveBufferBytes + "/"
                        + sendBufferBytes + "/" + maxBatchMessages + "/" + maxBatchBytes);
            }
        }

        public static Settings defaults() {
            return new Settings(8 << 20, 4 << 20, 1024, 256 << 10);
        }
    }

    public NetlinkKernel() {
        this(Settings.defaults());
    }

    public NetlinkKernel(Settings settings) {
        this(settings, KernelListener.NONE);
    }

    /** As {@link #NetlinkKernel(Settings)}, reporting every operation and failure to {@code listener} (metrics). */
    public NetlinkKernel(Settings settings, KernelListener listener) {
        this.settings = Objects.requireNonNull(settings);
        this.listener = Objects.requireNonNull(listener);
    }

    @Override
    public Netns createNamespace(Path path) throws IOException {
        checkOpen();
        return reported("namespace.create", () -> Namespaces.create(path.toAbsolutePath().normalize()));
    }

    @Override
    public void deleteNamespace(Path path) throws IOException {
        checkOpen();
        Path p = path.toAbsolutePath().normalize();
        // Our socket would keep the namespace (and its VXLAN sockets) alive after the unmount.
        NamespaceSession s = sessions.remove(Netns.at(p));
        if (s != null) {
            s.close();
        }
        XfrmEntry x = xfrmSessions.remove(Netns.at(p));
        if (x != null) {
            x.session().close();
        }
        reported("namespace.delete", () -> {
            Namespaces.delete(p);
            return null;
        });
    }

    @Override
    public boolean namespaceExists(Path path) {
        return Namespaces.exists(path);
    }

    @Override
    public void apply(Netns ns, List<? extends KernelChange> changes) throws IOException {
        if (changes.isEmpty()) {
            return;
        }
        try {
            XfrmBatches.apply(changes, rtnl -> session(ns).apply(rtnl), xfrm -> xfrmSession(ns).apply(xfrm));
        } catch (IOException | RuntimeException e) {
            KernelListener.reportBatch(listener, changes, e);
            throw e;
        }
        KernelListener.reportBatch(listener, changes, null);
    }

    @Override
    public List<XfrmState> xfrmStates(Netns ns) throws IOException {
        return reported("dump.xfrm_states", () -> xfrmSession(ns).states());
    }

    @Override
    public List<XfrmPolicy> xfrmPolicies(Netns ns) throws IOException {
        return reported("dump.xfrm_policies", () -> xfrmSession(ns).policies());
    }

    @Override
    public AutoCloseable watchXfrm(Netns ns, java.util.function.Consumer<XfrmEvent> listener) throws IOException {
        checkOpen();
        Netlink.ensureAvailability();
        Netns key = ns instanceof Netns.AtPath p ? Netns.at(p.path().normalize()) : ns;
        if (key instanceof Netns.AtPath p && !Namespaces.exists(p.path())) {
            throw new NoSuchFileException(p.path().toString(), null, "no network namespace bound there");
        }
        XfrmWatch watch = reported("watch.xfrm", () -> XfrmWatch.start(key, listener));
        watches.add(watch);
        if (closed) {
            watch.close();
            throw new IOException("NetlinkKernel is closed");
        }
        return () -> {
            watches.remove(watch);
            watch.close();
        };
    }

    /** Probed once per NetlinkKernel in a throw-away namespace ({@link EspProbe}); a race probes twice, harmlessly. */
    @Override
    public boolean espSupported() {
        Boolean known = espSupported;
        if (known == null) {
            known = EspProbe.probe();
            espSupported = known;
        }
        return known;
    }

    /** The XFRM session of {@code ns}, replaced whenever its rtnetlink session is (the namespace was recreated). */
    private XfrmSession xfrmSession(Netns ns) throws IOException {
        NamespaceSession owner = session(ns);
        Netns key = ns instanceof Netns.AtPath p ? Netns.at(p.path().normalize()) : ns;
        XfrmEntry e = xfrmSessions.get(key);
        if (e != null && e.owner() == owner) {
            return e.session();
        }
        synchronized (opening) {
            e = xfrmSessions.get(key);
            if (e != null && e.owner() == owner) {
                return e.session();
            }
            if (e != null) {
                e.session().close();
            }
            checkOpen();
            Transport socket = openSocket(key, Xfrm.NETLINK_XFRM);
            XfrmSession s = new XfrmSession(key, new NetlinkChannel(socket,
                    NetlinkChannel.fitting(socket, settings.maxBatchMessages()), settings.maxBatchBytes()));
            xfrmSessions.put(key, new XfrmEntry(owner, s));
            LOG.debug("opened XFRM netlink session for {}", key);
            return s;
        }
    }

    @Override
    public List<Link> links(Netns ns) throws IOException {
        return reported("dump.links", () -> session(ns).dump(RTM_GETLINK, AF_UNSPEC, (m, names) -> RtnlDecoder.links(m)));
    }

    @Override
    public List<Address> addresses(Netns ns) throws IOException {
        return reported("dump.addresses", () -> session(ns).dump(RTM_GETADDR, AF_UNSPEC, RtnlDecoder::addresses));
    }

    @Override
    public List<Route> routes(Netns ns) throws IOException {
        return reported("dump.routes", () -> session(ns).dump(RTM_GETROUTE, AF_UNSPEC, RtnlDecoder::routes));
    }

    @Override
    public List<Neighbor> neighbors(Netns ns) throws IOException {
        return reported("dump.neighbors", () -> session(ns).dump(RTM_GETNEIGH, AF_UNSPEC, RtnlDecoder::neighbors));
    }

    @Override
    public List<FdbEntry> fdb(Netns ns) throws IOException {
        return reported("dump.fdb", () -> session(ns).dump(RTM_GETNEIGH, AF_BRIDGE, RtnlDecoder::fdb));
    }

    @Override
    public java.util.Optional<PortFilter> portFilter(Netns ns, String dev) throws IOException {
        return reported("dump.filters", () -> PortFilters.recognise(dev, session(ns).ingressFilters(dev)));
    }

    @Override
    public void announce(Netns ns, String dev, Map<InetAddress, MacAddress> addresses) throws IOException {
        List<byte[]> frames = new java.util.ArrayList<>();
        Link link = null;
        for (var e : addresses.entrySet()) {
            if (e.getKey() instanceof Inet4Address ip) {
                if (link == null) {
                    link = links(ns).stream().filter(l -> l.name().equals(dev) && l.mac() != null).findFirst()
                            .orElseThrow(() -> new KernelException("announce on " + dev, null, Errno.ENODEV,
                                    Errno.name(Errno.ENODEV), "no such device with a MAC in " + ns));
                }
                frames.add(ArpAnnouncer.frame(link.mac(), ip, e.getValue()));
            }
        }
        if (frames.isEmpty()) {
            return;
        }
        int index = link.index();
        reported("announce", () -> switch (ns) {
            case Netns.Current c -> {
                ArpAnnouncer.send(index, frames);
                yield null;
            }
            case Netns.AtPath p -> Namespaces.callIn(p.path(), () -> {
                ArpAnnouncer.send(index, frames);
                return null;
            });
        });
    }

    /** Runs one operation of {@code kind}, reporting it and, if it fails, its errno to the listener. */
    private <T> T reported(String kind, Namespaces.NsAction<T> op) throws IOException {
        listener.operations(kind, 1);
        try {
            return op.run();
        } catch (KernelException e) {
            listener.failure(kind, e.errnoName());
            throw e;
        } catch (ErrnoException e) {
            listener.failure(kind, Errno.name(e.errno()));
            throw e;
        } catch (IOException | RuntimeException e) {
            listener.failure(kind, "EIO");
            throw e;
        }
    }

    /** The cached session of {@code ns}, replaced if the namespace at that path is not the one it was opened in. */
    private NamespaceSession session(Netns ns) throws IOException {
        checkOpen();
        Netns key = ns instanceof Netns.AtPath p ? Netns.at(p.path().normalize()) : ns;
        Namespaces.Id id;
        try {
            id = key instanceof Netns.AtPath p ? Namespaces.id(p.path()) : null;
        } catch (NoSuchFileException e) {
            dropSession(key);
            throw e;
        }
        NamespaceSession s = sessions.get(key);
        if (s != null && Objects.equals(s.id(), id)) {
            return s;
        }
        synchronized (opening) {
            s = sessions.get(key);
            if (s != null && Objects.equals(s.id(), id)) {
                return s;
            }
            dropSession(key);
            checkOpen();
            Transport socket = openSocket(key, Libc.NETLINK_ROUTE);
            s = new NamespaceSession(key, id, new NetlinkChannel(socket,
                    NetlinkChannel.fitting(socket, settings.maxBatchMessages()), settings.maxBatchBytes()),
                    this::linksChanged);
            sessions.put(key, s);
            LOG.debug("opened netlink session for {}", key);
            return s;
        }
    }

    private Transport openSocket(Netns ns, int protocol) throws IOException {
        Netlink.ensureAvailability();
        int rcv = settings.receiveBufferBytes();
        int snd = settings.sendBufferBytes();
        return switch (ns) {
            case Netns.Current c -> NetlinkSocket.open(protocol, rcv, snd, NetlinkSocket.RECEIVE_TIMEOUT_SECONDS);
            case Netns.AtPath p -> Namespaces.callIn(p.path(),
                    () -> NetlinkSocket.open(protocol, rcv, snd, NetlinkSocket.RECEIVE_TIMEOUT_SECONDS));
        };
    }

    private void dropSession(Netns key) {
        NamespaceSession old = sessions.remove(key);
        if (old != null) {
            LOG.debug("namespace at {} is gone or was replaced; closing its socket", key);
            old.close();
        }
    }

    private void linksChanged() {
        sessions.values().forEach(NamespaceSession::invalidateNames);
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("NetlinkKernel is closed");
        }
    }

    @Override
    public void close() {
        synchronized (opening) {
            closed = true;
        }
        sessions.values().forEach(NamespaceSession::close);
        sessions.clear();
        xfrmSessions.values().forEach(e -> e.session().close());
        xfrmSessions.clear();
        watches.forEach(XfrmWatch::close);
        watches.clear();
    }
}
