package io.jswarm.vxlan.netlink;

import static io.jswarm.vxlan.netlink.Rtnl.*;

import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelChange.*;
import io.jswarm.vxlan.kernel.KernelException;
import io.jswarm.vxlan.kernel.LinkSpec;
import io.jswarm.vxlan.kernel.PortFilter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One namespace's netlink socket, its name-to-index cache, and the apply algorithm: encode changes in
 * order, resolving names against the cache; before a name is resolved after a link-changing request,
 * send what is pending and refresh the cache (so a batch can create a device and then configure it).
 * All calls are serialised by a lock: one request stream per socket keeps sequence numbers and the cache
 * consistent.
 */
final class NamespaceSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NamespaceSession.class);
    private static final int RECOVERY_ROUNDS = 4;

    private final Netns ns;
    private final Namespaces.Id id;
    private final NetlinkChannel channel;
    private final Runnable linksChanged;
    private final RtnlEncoder encoder = new RtnlEncoder();
    private final ReentrantLock lock = new ReentrantLock();
    private Map<Integer, String> indexToName = Map.of();
    private Map<String, Integer> nameToIndex;
    private volatile boolean namesStale = true;
    private boolean closed;

    /** One request waiting to be sent in the current apply. */
    private record Pending(int index, KernelChange change, byte[] message) {
    }

    /** State of one apply() call. */
    private static final class Run {
        final List<Pending> pending = new ArrayList<>();
        final List<NsFd> fds = new ArrayList<>();
        final TreeMap<Integer, KernelException> failures = new TreeMap<>();
        boolean refreshed;
    }

    /**
     * @param linksChanged told when a request may have changed links, also of other namespaces (veth peer,
     *                     move target, a deleted veth's peer), so every session refreshes its name cache
     */
    NamespaceSession(Netns ns, Namespaces.Id id, NetlinkChannel channel, Runnable linksChanged) {
        this.ns = ns;
        this.id = id;
        this.channel = channel;
        this.linksChanged = linksChanged;
    }

    Namespaces.Id id() {
        return id;
    }

    /** Links elsewhere changed: resolve names afresh before the next use. */
    void invalidateNames() {
        namesStale = true;
    }

    void apply(List<? extends KernelChange> changes) throws IOException {
        lock.lock();
        try {
            checkOpen();
            LOG.debug("applying {} changes in {}", changes.size(), ns);
            Run run = new Run();
            try {
                for (int i = 0; i < changes.size(); i++) {
                    queue(run, i, changes.get(i));
                }
                flush(run);
                retryWithFreshNames(run, changes);
            } finally {
                closeFds(run);
            }
            if (!run.failures.isEmpty()) {
                throw new KernelException(List.copyOf(run.failures.values()));
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * A cached index can be stale when someone else deleted and recreated a device: the kernel then answers
     * ENODEV. If this apply resolved only from the cache, refresh it and try those changes once more (a failed
     * change took no effect, and all of them may be repeated).
     */
    private void retryWithFreshNames(Run run, List<? extends KernelChange> changes) throws IOException {
        if (run.refreshed) {
            return;
        }
        List<Integer> stale = run.failures.entrySet().stream()
                .filter(e -> e.getValue().errno() == Errno.ENODEV).map(Map.Entry::getKey).toList();
        if (stale.isEmpty()) {
            return;
        }
        LOG.debug("{} changes in {} failed with ENODEV; retrying with fresh device names", stale.size(), ns);
        refreshNames(run);
        for (int i : stale) {
            run.failures.remove(i);
            queue(run, i, changes.get(i));
        }
        flush(run);
    }

    private void queue(Run run, int i, KernelChange change) throws IOException {
        if (change instanceof SetNeighbor s && s.neighbor().mac() == null) {
            run.failures.put(i, clientError(change, Errno.EINVAL, "a neighbour entry needs a MAC address"));
            return;
        }
        byte[] message = switch (change) {
            case AddLink c -> addLink(run, c.spec());
            case DeleteLink c -> {
                int index = resolve(run, c.name());
                if (index != 0) {
                    linksChanged.run();
                }
                yield index == 0 ? null : encoder.deleteLink(index);
            }
            case MoveLink c -> moveLink(run, i, c);
            case SetLink c -> setLink(run, i, c);
            case AddAddress c -> orNoDevice(run, i, c, c.address().dev(),
                    index -> encoder.address(true, index, c.address().prefix()));
            case DeleteAddress c -> ifPresent(run, c.address().dev(),
                    index -> encoder.address(false, index, c.address().prefix()));
            case ReplaceRoute c -> route(run, i, c, true, c.route());
            case DeleteRoute c -> route(run, i, c, false, c.route());
            case SetNeighbor c -> orNoDevice(run, i, c, c.neighbor().dev(),
                    index -> encoder.setNeighbor(index, c.neighbor().ip(), c.neighbor().mac()));
            case DeleteNeighbor c -> ifPresent(run, c.dev(), index -> encoder.deleteNeighbor(index, c.ip()));
            case SetFdb c -> orNoDevice(run, i, c, c.entry().dev(), index -> encoder.setFdb(index, c.entry().mac(),
                    c.entry().dst(), c.entry().self(), c.entry().permanent(), c.entry().sticky()));
            case SetBridgePort c -> orNoDevice(run, i, c, c.dev(),
                    index -> encoder.setBridgePort(index, c.port().learning(), c.port().locked()));
            case SetPortFilter c -> portFilter(run, i, c);
            case DeletePortFilter c -> ifPresent(run, c.dev(), index -> encoder.clsact(false, index));
            case DeleteFdb c -> ifPresent(run, c.dev(), index -> encoder.deleteFdb(index, c.mac(), c.dst()));
            // NetlinkKernel sends these to the namespace's XfrmSession (NETLINK_XFRM), never here.
            case SetXfrmState x -> throw new IllegalArgumentException("XFRM change on the rtnetlink socket");
            case DeleteXfrmState x -> throw new IllegalArgumentException("XFRM change on the rtnetlink socket");
            case SetXfrmPolicy x -> throw new IllegalArgumentException("XFRM change on the rtnetlink socket");
            case DeleteXfrmPolicy x -> throw new IllegalArgumentException("XFRM change on the rtnetlink socket");
        };
        if (message != null) {
            run.pending.add(new Pending(i, change, message));
        }
    }

    /**
     * A port filter is three requests: the old clsact goes (absent is fine: {@link Recovery#isHarmless}), a new
     * one and the program come. All carry the change's position, so a failure of any names the change.
     */
    private byte[] portFilter(Run run, int i, SetPortFilter c) throws IOException {
        PortFilter f = c.filter();
        int index = resolve(run, f.dev());
        if (index == 0) {
            run.failures.put(i, noDevice(c, f.dev()));
            return null;
        }
        run.pending.add(new Pending(i, new DeletePortFilter(f.dev()), encoder.clsact(false, index)));
        run.pending.add(new Pending(i, c, encoder.clsact(true, index)));
        return encoder.bpfFilter(index, PortFilters.program(f));
    }

    /** The filters on {@code dev}'s ingress; ENODEV if there is no such device. */
    List<RtnlDecoder.TcFilter> ingressFilters(String dev) throws IOException {
        lock.lock();
        try {
            checkOpen();
            // Reconcile asks once per port: the cached names serve unless stale or missing the device.
            if (nameToIndex == null || namesStale || !nameToIndex.containsKey(dev)) {
                cacheNames(channel.dump(RTM_GETLINK, AF_UNSPEC));
            }
            Integer index = nameToIndex.get(dev);
            if (index == null) {
                throw new KernelException("RTM_GETTFILTER dev " + dev, null, Errno.ENODEV, Errno.name(Errno.ENODEV),
                        "no device named " + dev + " in namespace " + ns);
            }
            try {
                return RtnlDecoder.filters(channel.dump(RTM_GETTFILTER, () -> encoder.dumpIngressFilters(index)));
            } catch (KernelException e) {
                // No clsact on the device: the kernel refuses the dump of a parent that does not exist.
                if (e.errno() == Errno.EINVAL || e.errno() == Errno.ENOENT) {
                    return List.of();
                }
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    private byte[] addLink(Run run, LinkSpec spec) throws IOException {
        int peerFd = RtnlEncoder.SAME_NS;
        if (spec instanceof LinkSpec.Veth v && !v.peerNs().equals(ns)) {
            peerFd = openNs(run, v.peerNs());
        }
        linksChanged.run();
        return encoder.addLink(spec, peerFd);
    }

    private byte[] moveLink(Run run, int i, MoveLink c) throws IOException {
        int index = resolve(run, c.name());
        if (index == 0) {
            run.failures.put(i, noDevice(c, c.name()));
            return null;
        }
        int fd = openNs(run, c.target());
        linksChanged.run();
        return encoder.moveLink(index, fd, c.newName());
    }

    private byte[] setLink(Run run, int i, SetLink c) throws IOException {
        int index = resolve(run, c.name());
        Integer master = null;
        if (c.master() != null) {
            master = c.master().equals(SetLink.NO_MASTER) ? 0 : resolve(run, c.master());
            if (master == 0 && !c.master().equals(SetLink.NO_MASTER)) {
                run.failures.put(i, noDevice(c, c.master()));
                return null;
            }
        }
        if (index == 0) {
            run.failures.put(i, noDevice(c, c.name()));
            return null;
        }
        return encoder.setLink(index, c.up(), c.mtu(), c.mac(), master);
    }

    private byte[] route(Run run, int i, KernelChange c, boolean replace, io.jswarm.vxlan.kernel.Route r)
            throws IOException {
        if (r.dev() == null) {
            return encoder.route(replace, r.dst(), r.gateway(), 0);
        }
        return replace ? orNoDevice(run, i, c, r.dev(), index -> encoder.route(true, r.dst(), r.gateway(), index))
                : ifPresent(run, r.dev(), index -> encoder.route(false, r.dst(), r.gateway(), index));
    }

    @FunctionalInterface
    private interface Encode {
        byte[] with(int index);
    }

    private byte[] orNoDevice(Run run, int i, KernelChange c, String dev, Encode encode) throws IOException {
        int index = resolve(run, dev);
        if (index == 0) {
            run.failures.put(i, noDevice(c, dev));
            return null;
        }
        return encode.with(index);
    }

    /** Deletes on a device that is not there have nothing to do: the contract calls them successful. */
    private byte[] ifPresent(Run run, String dev, Encode encode) throws IOException {
        int index = resolve(run, dev);
        return index == 0 ? null : encode.with(index);
    }

    /** The device's index, or 0 if there is no such device (after one refresh per apply, if needed). */
    private int resolve(Run run, String name) throws IOException {
        if (nameToIndex == null || namesStale) {
            refreshNames(run);
        }
        Integer index = nameToIndex.get(name);
        if (index == null && !run.refreshed) {
            refreshNames(run);
            index = nameToIndex.get(name);
        }
        return index == null ? 0 : index;
    }

    private void refreshNames(Run run) throws IOException {
        flush(run);
        cacheNames(channel.dump(RTM_GETLINK, AF_UNSPEC));
        run.refreshed = true;
    }

    private void cacheNames(List<ByteBuffer> linkDump) {
        namesStale = false;
        indexToName = RtnlDecoder.names(linkDump);
        Map<String, Integer> byName = new java.util.HashMap<>();
        indexToName.forEach((index, name) -> byName.put(name, index));
        nameToIndex = byName;
    }

    /** Sends what is pending, recovers answers lost to an overrun, and records failures. */
    private void flush(Run run) throws IOException {
        if (run.pending.isEmpty()) {
            return;
        }
        List<Pending> batch = List.copyOf(run.pending);
        run.pending.clear();
        NetlinkChannel.Outcomes outcomes = channel.execute(batch.stream().map(Pending::message).toList());
        Recovery.recover(batch.stream().map(Pending::change).toList(), outcomes,
                resend -> channel.execute(resend.stream().map(k -> batch.get(k).message()).toList()),
                this::linkNames, RECOVERY_ROUNDS);
        for (int k = 0; k < batch.size(); k++) {
            int errno = outcomes.errno()[k];
            Pending p = batch.get(k);
            if (errno != 0 && !Recovery.isHarmless(p.change(), errno)) {
                run.failures.put(p.index(), new KernelException(ChangeLabels.of(p.change()), p.change(), errno,
                        Errno.name(errno), outcomes.extack()[k]));
            }
        }
    }

    private java.util.Set<String> linkNames() throws IOException {
        cacheNames(channel.dump(RTM_GETLINK, AF_UNSPEC));
        return nameToIndex.keySet();
    }

    private int openNs(Run run, Netns target) throws IOException {
        NsFd fd = NsFd.open(target);
        run.fds.add(fd);
        return fd.fd();
    }

    private static void closeFds(Run run) {
        run.fds.forEach(NsFd::close);
        run.fds.clear();
    }

    private KernelException noDevice(KernelChange c, String dev) {
        return clientError(c, Errno.ENODEV, "no device named " + dev + " in namespace " + ns);
    }

    private static KernelException clientError(KernelChange c, int errno, String text) {
        return new KernelException(ChangeLabels.of(c), c, errno, Errno.name(errno), text);
    }

    /** Runs a dump of {@code type} together with a link dump (for device names), under the lock. */
    <T> T dump(int type, int family, DumpDecoder<T> decoder) throws IOException {
        lock.lock();
        try {
            checkOpen();
            List<ByteBuffer> links = channel.dump(RTM_GETLINK, AF_UNSPEC);
            cacheNames(links);
            List<ByteBuffer> messages = type == RTM_GETLINK ? links : channel.dump(type, family);
            LOG.debug("{} dump in {}: {} messages", Rtnl.typeName(type), ns, messages.size());
            return decoder.decode(messages, indexToName);
        } finally {
            lock.unlock();
        }
    }

    @FunctionalInterface
    interface DumpDecoder<T> {
        T decode(List<ByteBuffer> messages, Map<Integer, String> names);
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("netlink session for " + ns + " is closed");
        }
    }

    /** Idempotent; waits for a call in progress to finish. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                channel.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
