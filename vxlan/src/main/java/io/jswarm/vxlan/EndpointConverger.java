package io.jswarm.vxlan;

import io.jswarm.vxlan.ReconcileReport.Kind;
import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FdbEntry;
import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelChange.AddAddress;
import io.jswarm.vxlan.kernel.KernelChange.AddLink;
import io.jswarm.vxlan.kernel.KernelChange.DeleteLink;
import io.jswarm.vxlan.kernel.KernelChange.ReplaceRoute;
import io.jswarm.vxlan.kernel.KernelChange.SetLink;
import io.jswarm.vxlan.kernel.Link;
import io.jswarm.vxlan.kernel.LinkSpec;
import io.jswarm.vxlan.kernel.Route;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One endpoint: a veth whose host end ({@link EndpointState#hostIf()}) is a port of {@code br0} in the
 * network namespace and whose other end is created directly in the sandbox as {@code ifName} (never moved,
 * so it never exists half-configured under a wrong name in the wrong namespace).
 */
final class EndpointConverger {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointConverger.class);
    private final Kernel kernel;
    /** The spoofing guard of each port, or {@code null} when {@link DataplaneConfig#portGuard()} is off. */
    private final PortGuards guards;

    EndpointConverger(Kernel kernel, boolean portGuard) {
        this.kernel = kernel;
        this.guards = portGuard ? new PortGuards(kernel) : null;
    }

    /**
     * Makes or repairs the endpoint. Every object made is pushed on {@code rollback} (when given) so a failed
     * {@code ensureEndpoint} can be undone.
     */
    void converge(NetworkState net, EndpointState ep, Repairs repairs, Rollback rollback) throws IOException {
        converge(net, ep, repairs, rollback, null, null);
    }

    /**
     * As above, with the network namespace's links and FDB already dumped ({@code null}: dump them), so
     * reconciling a network with many endpoints dumps them once rather than once per endpoint.
     */
    void converge(NetworkState net, EndpointState ep, Repairs repairs, Rollback rollback, Map<String, Link> netLinks,
                  List<FdbEntry> netFdb) throws IOException {
        EndpointSpec spec = ep.spec();
        Netns sb = spec.sandbox();
        if (sb instanceof Netns.AtPath(var path) && !kernel.namespaceExists(path)) {
            if (!spec.createSandbox()) {
                // A runtime's namespace that is gone means the container is gone: nothing to repair into.
                LOG.warn("sandbox gone, endpoint not repaired network={} endpoint={} sandbox={}",
                        net.id(), spec.id(), path);
                return;
            }
            kernel.createNamespace(path);
            repairs.add(net.id(), Kind.NAMESPACE_MISSING, "sandbox " + path + " of endpoint " + spec.id());
            repairs = repairs.muted();
            if (rollback != null) {
                rollback.push("create sandbox " + path, () -> kernel.deleteNamespace(path));
            }
        }
        Link host = netLinks != null ? netLinks.get(ep.hostIf()) : link(net.ns, ep.hostIf());
        Link peer = link(sb, spec.ifName());
        boolean made = false;
        if (host == null || peer == null || !"veth".equals(host.kind()) || !"veth".equals(peer.kind())) {
            repairs.add(net.id(), Kind.LINK_MISSING, "veth " + ep.hostIf() + " / " + spec.ifName() + " of endpoint "
                    + spec.id());
            makeVeth(net, ep, host, peer, rollback);
            made = true;
        }
        Repairs attrs = made ? repairs.muted() : repairs;
        Repairs guardRepairs = attrs;
        if (made) {
            host = link(net.ns, ep.hostIf());
        }
        if (host.mtu() != net.mtu || !host.up() || !Names.BRIDGE.equals(host.master())) {
            attrs.add(net.id(), Kind.LINK_WRONG, ep.hostIf() + " mtu=" + host.mtu() + " up=" + host.up() + " master="
                    + host.master() + ", want mtu=" + net.mtu + " up master=br0");
            boolean enslaved = !Names.BRIDGE.equals(host.master());
            kernel.apply(net.ns, new SetLink(ep.hostIf(), host.up() ? null : true,
                    host.mtu() == net.mtu ? null : net.mtu, null, enslaved ? Names.BRIDGE : null));
            if (enslaved) {
                // A port made now has the kernel's default flags and no entries: setting them is part of the repair.
                host = link(net.ns, ep.hostIf());
                guardRepairs = attrs.muted();
                netFdb = null;
            }
        }
        if (guards != null) {
            List<KernelChange> guard = guards.converge(net, ep, host, netFdb != null ? netFdb : kernel.fdb(net.ns),
                    guardRepairs);
            if (!guard.isEmpty()) {
                kernel.apply(net.ns, guard);
            }
        }
        List<KernelChange> inSandbox = sandboxChanges(net, ep, attrs);
        if (!inSandbox.isEmpty()) {
            kernel.apply(sb, inSandbox);
        }
    }

    private void makeVeth(NetworkState net, EndpointState ep, Link host, Link peer, Rollback rollback)
            throws IOException {
        EndpointSpec spec = ep.spec();
        if (host != null) {
            kernel.apply(net.ns, new DeleteLink(ep.hostIf()));
        }
        // A veth end left in the sandbox under our name has lost its partner; anything else is not ours to delete.
        Link stillThere = host != null ? link(spec.sandbox(), spec.ifName()) : peer;
        if (stillThere != null && "veth".equals(stillThere.kind())) {
            kernel.apply(spec.sandbox(), new DeleteLink(spec.ifName()));
        }
        kernel.apply(net.ns, new AddLink(new LinkSpec.Veth(ep.hostIf(), net.mtu, null, spec.ifName(), spec.sandbox(),
                spec.mac())));
        if (rollback != null) {
            // Deleting one end deletes the other, and with it the address and routes on the sandbox side.
            rollback.push("create veth " + ep.hostIf(), () -> kernel.apply(net.ns, new DeleteLink(ep.hostIf())));
        }
    }

    /** Sandbox side: MTU, MAC, up, address, lo up (own sandbox only), default route (if this endpoint owns it). */
    private List<KernelChange> sandboxChanges(NetworkState net, EndpointState ep, Repairs repairs) throws IOException {
        EndpointSpec spec = ep.spec();
        Netns sb = spec.sandbox();
        Map<String, Link> links = NetworkConverger.byName(kernel.links(sb));
        List<KernelChange> changes = new ArrayList<>();
        Link dev = links.get(spec.ifName());
        if (dev.mtu() != net.mtu || !dev.up() || !spec.mac().equals(dev.mac())) {
            repairs.add(net.id(), Kind.LINK_WRONG, spec.ifName() + " in sandbox mtu=" + dev.mtu() + " mac=" + dev.mac()
                    + " up=" + dev.up() + ", want mtu=" + net.mtu + " mac=" + spec.mac() + " up");
            changes.add(new SetLink(spec.ifName(), dev.up() ? null : true, dev.mtu() == net.mtu ? null : net.mtu,
                    spec.mac().equals(dev.mac()) ? null : spec.mac(), null));
        }
        Link lo = links.get(Names.LOOPBACK);
        if (spec.createSandbox() && lo != null && !lo.up()) {
            repairs.add(net.id(), Kind.LINK_WRONG, "lo down in sandbox of endpoint " + spec.id());
            changes.add(SetLink.up(Names.LOOPBACK));
        }
        Address address = new Address(spec.ifName(), spec.address());
        if (!kernel.addresses(sb).contains(address)) {
            repairs.add(net.id(), Kind.ADDRESS_MISSING, spec.ifName() + " " + spec.address() + " of endpoint "
                    + spec.id());
            changes.add(new AddAddress(address));
        }
        if (ep.ownsDefaultRoute() && !hasDefaultRoute(sb, spec.address())) {
            repairs.add(net.id(), Kind.ROUTE_MISSING, "default via " + net.spec.gateway().address().getHostAddress()
                    + " dev " + spec.ifName());
            changes.add(new ReplaceRoute(Route.defaultVia(net.spec.gateway().address(), spec.ifName())));
        }
        return changes;
    }

    /** Removes the endpoint's veth (both ends, whichever namespace still holds one). */
    void remove(NetworkState net, EndpointState ep) throws IOException {
        if (kernel.namespaceExists(net.nsPath) && link(net.ns, ep.hostIf()) != null) {
            kernel.apply(net.ns, new DeleteLink(ep.hostIf()));
        }
        EndpointSpec spec = ep.spec();
        if (sandboxExists(spec.sandbox())) {
            Link left = link(spec.sandbox(), spec.ifName());
            if (left != null && "veth".equals(left.kind())) {
                kernel.apply(spec.sandbox(), new DeleteLink(spec.ifName()));
            }
        }
    }

    private boolean hasDefaultRoute(Netns sb, IpPrefix sameFamilyAs) throws IOException {
        return kernel.routes(sb).stream()
                .anyMatch(r -> r.dst().length() == 0 && r.dst().isIpv4() == sameFamilyAs.isIpv4());
    }

    /** The daemon's own (or PID 1's) namespace: never a sandbox (see {@code HostNamespaces}). */
    boolean isHostNamespace(Netns sb) {
        return switch (sb) {
            case Netns.Current c -> true;
            case Netns.AtPath(var path) -> kernel.isHostNamespace(path);
        };
    }

    boolean sandboxExists(Netns sb) {
        return switch (sb) {
            case Netns.Current c -> true;
            case Netns.AtPath(var path) -> kernel.namespaceExists(path);
        };
    }

    private Link link(Netns ns, String name) throws IOException {
        return kernel.links(ns).stream().filter(l -> l.name().equals(name)).findFirst().orElse(null);
    }
}
