package io.jswarm.vxlan;

import io.jswarm.vxlan.ReconcileReport.Kind;
import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelChange.AddAddress;
import io.jswarm.vxlan.kernel.KernelChange.AddLink;
import io.jswarm.vxlan.kernel.KernelChange.DeleteAddress;
import io.jswarm.vxlan.kernel.KernelChange.DeleteLink;
import io.jswarm.vxlan.kernel.KernelChange.MoveLink;
import io.jswarm.vxlan.kernel.KernelChange.SetLink;
import io.jswarm.vxlan.kernel.KernelException;
import io.jswarm.vxlan.kernel.Link;
import io.jswarm.vxlan.kernel.LinkSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Brings a network's namespace, {@code br0} and {@code vxlan0} to the desired state, from nothing or from
 * whatever a crash or an operator left. Reads first, then changes only what differs, so a converged network
 * costs dumps and no changes. Devices whose identity is wrong (a VXLAN device with another VNI, port,
 * local address or flags; a "br0" that is no bridge) are replaced; attributes that can be set (MTU, master,
 * up) are set.
 */
final class NetworkConverger {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NetworkConverger.class);
    private static final int EEXIST = 17;
    /** 10 x 100 ms: namespace teardown normally takes a few milliseconds; a real clash fails after a second. */
    static final int VNI_BUSY_ATTEMPTS = 10;
    private static final long VNI_BUSY_PAUSE_MS = 100;
    private final Kernel kernel;
    private final DataplaneConfig config;

    NetworkConverger(Kernel kernel, DataplaneConfig config) {
        this.kernel = kernel;
        this.config = config;
    }

    /**
     * Converges the devices of {@code net}. Returns the repairs collector to use for what lives inside the
     * namespace (muted when the namespace itself had to be created, since everything in it is then new).
     */
    Repairs converge(NetworkState net, Repairs repairs) throws IOException {
        String id = net.id();
        if (!kernel.namespaceExists(net.nsPath)) {
            kernel.createNamespace(net.nsPath);
            repairs.add(id, Kind.NAMESPACE_MISSING, "network namespace " + net.nsPath);
            repairs = repairs.muted();
        }
        Set<String> created = new HashSet<>();
        Map<String, Link> links = byName(kernel.links(net.ns));
        List<KernelChange> first = new ArrayList<>();

        Link br = links.get(Names.BRIDGE);
        if (br != null && !"bridge".equals(br.kind())) {
            repairs.add(id, Kind.LINK_WRONG, "br0 is a " + br.kind() + ", not a bridge: replaced");
            first.add(new DeleteLink(Names.BRIDGE));
            br = null;
        }
        if (br == null) {
            if (!links.containsKey(Names.BRIDGE)) {
                repairs.add(id, Kind.LINK_MISSING, "br0");
            }
            first.add(new AddLink(new LinkSpec.Bridge(Names.BRIDGE, net.mtu, null)));
            created.add(Names.BRIDGE);
        }
        Link vx = links.get(Names.VXLAN);
        String wrong = vx == null ? null : vxlanDifference(vx, net);
        if (wrong != null) {
            repairs.add(id, Kind.LINK_WRONG, "vxlan0 " + wrong + ": replaced");
            first.add(new DeleteLink(Names.VXLAN));
            vx = null;
        }
        for (Link l : links.values()) {
            if (!isExpected(l.name(), net) && !(net.adopted && "veth".equals(l.kind()))) {
                // The network namespace belongs to the data plane alone: anything else is a leaked endpoint.
                repairs.add(id, Kind.LINK_WRONG, "stray device " + l.name() + " removed");
                first.add(new DeleteLink(l.name()));
            }
        }
        apply(net.ns, first);
        List<KernelChange> hostCleanup = hostLeftovers(net, repairs);
        if (vx == null) {
            if (wrong == null) {
                repairs.add(id, Kind.LINK_MISSING, "vxlan0");
            }
            createVxlan(net, hostCleanup);
            created.add(Names.VXLAN);
        } else {
            apply(config.hostNs(), hostCleanup);
        }
        apply(net.ns, settle(net, created, repairs));
        return repairs;
    }

    /** Second pass, once both devices exist: gateway address, MTU, master and state. */
    private List<KernelChange> settle(NetworkState net, Set<String> created, Repairs repairs) throws IOException {
        String id = net.id();
        Map<String, Link> links = byName(kernel.links(net.ns));
        List<KernelChange> changes = new ArrayList<>();
        Address gateway = new Address(Names.BRIDGE, net.spec.gateway());
        List<Address> onBridge = kernel.addresses(net.ns).stream()
                .filter(a -> a.dev().equals(Names.BRIDGE)).toList();
        for (Address a : onBridge) {
            if (!a.equals(gateway) && !a.prefix().address().isLinkLocalAddress()) {
                report(repairs, created, Names.BRIDGE, id, Kind.LINK_WRONG, "br0 stray address " + a.prefix());
                changes.add(new DeleteAddress(a));
            }
        }
        if (!onBridge.contains(gateway)) {
            report(repairs, created, Names.BRIDGE, id, Kind.ADDRESS_MISSING, "br0 " + gateway.prefix());
            changes.add(new AddAddress(gateway));
        }
        Link br = links.get(Names.BRIDGE);
        if (br.mtu() != net.mtu || !br.up()) {
            report(repairs, created, Names.BRIDGE, id, Kind.LINK_WRONG,
                    "br0 mtu=" + br.mtu() + " up=" + br.up() + ", want mtu=" + net.mtu + " up");
            changes.add(new SetLink(Names.BRIDGE, br.up() ? null : true, br.mtu() == net.mtu ? null : net.mtu,
                    null, null));
        }
        Link vx = links.get(Names.VXLAN);
        if (vx.mtu() != net.mtu || !vx.up() || !Names.BRIDGE.equals(vx.master())) {
            report(repairs, created, Names.VXLAN, id, Kind.LINK_WRONG, "vxlan0 mtu=" + vx.mtu() + " up=" + vx.up()
                    + " master=" + vx.master() + ", want mtu=" + net.mtu + " up master=br0");
            changes.add(new SetLink(Names.VXLAN, vx.up() ? null : true, vx.mtu() == net.mtu ? null : net.mtu, null,
                    Names.BRIDGE.equals(vx.master()) ? null : Names.BRIDGE));
        }
        return changes;
    }

    /**
     * Creates the VXLAN device in the host namespace, where its UDP socket must live, and moves it into the
     * network namespace as {@code vxlan0}, as Docker does. Host-side leftovers with our name or our VNI and
     * port are deleted first: they would make the create fail with EEXIST (Swarm's "file exists", §7 #2).
     */
    private void createVxlan(NetworkState net, List<KernelChange> hostCleanup) throws IOException {
        Netns host = config.hostNs();
        String tmp = Names.vxlanInHost(net.spec);
        List<KernelChange> changes = new ArrayList<>(hostCleanup);
        changes.add(new AddLink(new LinkSpec.Vxlan(tmp, net.spec.vni(), net.spec.port(), net.spec.vtep(), net.mtu,
                false, true, true, true)));
        changes.add(new MoveLink(tmp, net.ns, Names.VXLAN));
        for (int attempt = 1; ; attempt++) {
            try {
                kernel.apply(host, changes);
                return;
            } catch (KernelException e) {
                // A device created but not moved would block the next attempt: take it away again.
                try {
                    kernel.apply(host, new DeleteLink(tmp));
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                }
                if (!vniBusy(e) || attempt == VNI_BUSY_ATTEMPTS) {
                    throw e;
                }
                // The VNI may still be held by a vxlan0 in a namespace the kernel is tearing down
                // asynchronously (a removed or crashed network): give the cleanup a moment.
                LOG.info("vni busy, retrying network={} vni={} attempt={}", net.id(), net.spec.vni(), attempt);
                changes = changes.subList(hostCleanup.size(), changes.size());
                pause();
            }
        }
    }

    private static boolean vniBusy(KernelException e) {
        return e.failures().stream().anyMatch(f -> f.errno() == EEXIST
                && f.change() instanceof AddLink add && add.spec() instanceof LinkSpec.Vxlan);
    }

    private static void pause() throws IOException {
        try {
            Thread.sleep(VNI_BUSY_PAUSE_MS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for the VNI to be released");
        }
    }

    /**
     * Deletions of VXLAN devices this network left in the host namespace: a crash between create and move
     * leaves one, and with our VNI it would make the next create fail with EEXIST (Swarm's "file exists", §7 #2).
     */
    private List<KernelChange> hostLeftovers(NetworkState net, Repairs repairs) throws IOException {
        List<KernelChange> changes = new ArrayList<>();
        for (Link l : kernel.links(config.hostNs())) {
            if (isOurVxlanLeftover(l, net.spec)
                    || ("vxlan".equals(l.kind()) && Names.isVxlanInHostOf(l.name(), net.id()))) {
                repairs.add(net.id(), Kind.LINK_WRONG, "leftover " + l.name() + " in the host namespace removed");
                changes.add(new DeleteLink(l.name()));
            }
        }
        return changes;
    }

    /** VXLAN devices in the host namespace that are ours: our temporary name, or our VNI and port under vx-*. */
    static boolean isOurVxlanLeftover(Link l, NetworkSpec spec) {
        if (!"vxlan".equals(l.kind())) {
            return false;
        }
        if (l.name().equals(Names.vxlanInHost(spec))) {
            return true;
        }
        return l.name().startsWith("vx-") && l.vxlan() != null
                && l.vxlan().vni().equals(spec.vni()) && l.vxlan().port() == spec.port();
    }

    /** Why an existing vxlan0 cannot be kept, or {@code null} if only settable attributes may differ. */
    static String vxlanDifference(Link vx, NetworkState net) {
        if (!"vxlan".equals(vx.kind()) || vx.vxlan() == null) {
            return "is a " + vx.kind() + ", not a VXLAN device";
        }
        Link.VxlanInfo want = new Link.VxlanInfo(net.spec.vni(), net.spec.port(), net.spec.vtep(), false, true,
                true, true);
        return vx.vxlan().equals(want) ? null : "has " + vx.vxlan() + ", want " + want;
    }

    private static boolean isExpected(String name, NetworkState net) {
        return name.equals(Names.LOOPBACK) || name.equals(Names.BRIDGE) || name.equals(Names.VXLAN)
                || net.endpoints.values().stream().anyMatch(e -> e.hostIf().equals(name));
    }

    private static void report(Repairs repairs, Set<String> created, String dev, String id, Kind kind,
                               String detail) {
        // Attributes of a device made a moment ago are part of making it, not drift.
        (created.contains(dev) ? repairs.muted() : repairs).add(id, kind, detail);
    }

    private void apply(Netns ns, List<KernelChange> changes) throws IOException {
        if (!changes.isEmpty()) {
            kernel.apply(ns, changes);
        }
    }

    static Map<String, Link> byName(List<Link> links) {
        return links.stream().collect(Collectors.toMap(Link::name, Function.identity(), (a, b) -> a,
                java.util.LinkedHashMap::new));
    }
}
