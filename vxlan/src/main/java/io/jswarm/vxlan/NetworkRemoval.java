package io.jswarm.vxlan;

import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelChange.DeleteLink;
import io.jswarm.vxlan.kernel.Link;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel side of a network going: its namespace with every device in it and its host-side {@code vxlan}
 * device ({@link KernelDataplane#removeNetwork}, after its endpoints went), and the undo of a network whose first
 * ensure failed half-way. It owns no state: what the data plane remembers is {@link KernelDataplane}'s.
 *
 * <p>Threads: callers of {@link KernelDataplane}, always holding its lock (this class takes none).
 */
final class NetworkRemoval {
    private final Kernel kernel;
    private final DataplaneConfig config;

    NetworkRemoval(Kernel kernel, DataplaneConfig config) {
        this.kernel = kernel;
        this.config = config;
    }

    /** The network's namespace and devices, and jswarm's host-side vxlan devices of it; {@code net} null: not known. */
    void remove(NetworkState net, String networkId) throws IOException {
        var nsPath = net != null ? net.nsPath : config.networkNamespace(networkId);
        if (kernel.namespaceExists(nsPath)) {
            // Delete the devices first: the kernel tears a namespace down asynchronously, and until then
            // its vxlan0 still holds the VNI in the host namespace, so an immediate re-create would
            // fail with EEXIST. A synchronous delete releases it now.
            Netns ns = Netns.at(nsPath);
            List<KernelChange> devices = kernel.links(ns).stream().map(Link::name)
                    .filter(n -> !n.equals(Names.LOOPBACK)).map(n -> (KernelChange) new DeleteLink(n)).toList();
            if (!devices.isEmpty()) {
                kernel.apply(ns, devices);
            }
            kernel.deleteNamespace(nsPath);
        }
        List<KernelChange> leftovers = new ArrayList<>();
        for (Link l : kernel.links(config.hostNs())) {
            boolean ours = (net != null && NetworkConverger.isOurVxlanLeftover(l, net.spec))
                    || ("vxlan".equals(l.kind()) && Names.isVxlanInHostOf(l.name(), networkId));
            if (ours) {
                leftovers.add(new DeleteLink(l.name()));
            }
        }
        if (!leftovers.isEmpty()) {
            kernel.apply(config.hostNs(), leftovers);
        }
    }

    /** A network made in this call that failed half-way goes entirely: its namespace and any host-side device. */
    void undoFresh(NetworkState net, Throwable cause) {
        Rollback rollback = new Rollback();
        rollback.push("create network namespace " + net.nsPath, () -> kernel.deleteNamespace(net.nsPath));
        rollback.push("create " + Names.vxlanInHost(net.spec), () -> {
            boolean present = kernel.links(config.hostNs()).stream()
                    .anyMatch(l -> l.name().equals(Names.vxlanInHost(net.spec)));
            if (present) {
                kernel.apply(config.hostNs(), new DeleteLink(Names.vxlanInHost(net.spec)));
            }
        });
        rollback.run(cause);
    }
}
