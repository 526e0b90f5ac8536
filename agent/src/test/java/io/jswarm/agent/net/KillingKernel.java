package io.jswarm.agent.net;

import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FakeKernel;
import io.jswarm.vxlan.kernel.FdbEntry;
import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelException;
import io.jswarm.vxlan.kernel.Link;
import io.jswarm.vxlan.kernel.Neighbor;
import io.jswarm.vxlan.kernel.Route;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link FakeKernel} that "kills the daemon" at its n-th changing call (namespace create/delete, apply): it
 * throws {@link Killed}, an {@link Error} that no rollback catches, before the call takes effect, as a SIGKILL
 * between two netlink requests would leave it. Reads are never killed.
 */
final class KillingKernel implements Kernel {
    /** The simulated SIGKILL. */
    static final class Killed extends Error {
        Killed(String where) {
            super("killed at " + where, null, false, false);
        }
    }

    private final FakeKernel kernel;
    private int calls;
    private int killAt;

    KillingKernel(FakeKernel kernel) {
        this.kernel = kernel;
    }

    /** Kill at the n-th changing call from now (1-based); 0 disarms. */
    synchronized void killAt(int n) {
        calls = 0;
        killAt = n;
    }

    /** Changing calls since the last {@link #killAt}. */
    synchronized int calls() {
        return calls;
    }

    private synchronized void step(String what) {
        calls++;
        if (killAt > 0 && calls == killAt) {
            killAt = 0;
            throw new Killed(what + " #" + calls);
        }
    }

    @Override
    public Netns createNamespace(Path path) throws IOException {
        step("createNamespace " + path);
        return kernel.createNamespace(path);
    }

    @Override
    public void deleteNamespace(Path path) throws IOException {
        step("deleteNamespace " + path);
        kernel.deleteNamespace(path);
    }

    @Override
    public boolean namespaceExists(Path path) {
        return kernel.namespaceExists(path);
    }

    @Override
    public boolean isHostNamespace(Path path) {
        return kernel.isHostNamespace(path);
    }

    @Override
    public void apply(Netns ns, List<? extends KernelChange> changes) throws KernelException, IOException {
        step("apply " + changes.size() + " changes");
        kernel.apply(ns, changes);
    }

    @Override
    public void announce(Netns ns, String dev, java.util.Map<java.net.InetAddress, io.jswarm.vxlan.MacAddress> peers)
            throws IOException {
        kernel.announce(ns, dev, peers); // a datagram, not a change: never killed
    }

    @Override
    public java.util.Optional<io.jswarm.vxlan.kernel.PortFilter> portFilter(Netns ns, String dev) throws IOException {
        return kernel.portFilter(ns, dev);
    }

    @Override
    public List<Link> links(Netns ns) throws IOException {
        return kernel.links(ns);
    }

    @Override
    public List<Address> addresses(Netns ns) throws IOException {
        return kernel.addresses(ns);
    }

    @Override
    public List<Route> routes(Netns ns) throws IOException {
        return kernel.routes(ns);
    }

    @Override
    public List<Neighbor> neighbors(Netns ns) throws IOException {
        return kernel.neighbors(ns);
    }

    @Override
    public List<FdbEntry> fdb(Netns ns) throws IOException {
        return kernel.fdb(ns);
    }

    @Override
    public void close() {
    }
}
