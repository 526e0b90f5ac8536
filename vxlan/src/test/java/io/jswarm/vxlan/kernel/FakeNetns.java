package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The tables of one {@link FakeKernel} namespace and the object-level operations on them. Every operation
 * checks first and mutates after, so a refused change leaves the namespace as it was (as rtnetlink does for
 * a single message). Guarded by the kernel's lock.
 */
final class FakeNetns {
    final Netns id;
    final Map<String, FakeLink> links = new LinkedHashMap<>();
    final List<Address> addresses = new ArrayList<>();
    final List<Route> routes = new ArrayList<>();
    /** Keyed like the kernel's tables, so programming 10k peers stays linear. */
    final Map<NeighborKey, Neighbor> neighbors = new LinkedHashMap<>();
    final Map<FdbKey, FdbEntry> fdb = new LinkedHashMap<>();
    /** SAs and policies: not tied to devices, so deleting a device leaves them (as on Linux). */
    final FakeXfrm xfrm = new FakeXfrm();
    private final java.util.Set<Integer> indexes = new java.util.HashSet<>();
    private int nextIndex = 1;

    record NeighborKey(String dev, InetAddress ip) {
    }

    record FdbKey(String dev, MacAddress mac, boolean self) {
    }

    FakeNetns(Netns id) {
        this.id = id;
        // Every new namespace has a loopback device, down, at ifindex 1.
        attach(new FakeLink("lo", null, 65536, new MacAddress(0), null, null), 1);
    }

    FakeLink link(String name) {
        return links.get(name);
    }

    /** Adds {@code link} here, keeping {@code wantedIndex} when it is free (as a move across namespaces does). */
    void attach(FakeLink link, int wantedIndex) {
        boolean free = wantedIndex > 0 && !indexes.contains(wantedIndex);
        link.index = free ? wantedIndex : nextIndex;
        nextIndex = Math.max(nextIndex, link.index + 1);
        indexes.add(link.index);
        link.ns = this;
        links.put(link.name, link);
    }

    /** Removes {@code link} and everything that hangs off it here: addresses, routes, neighbours, FDB, ports. */
    void detach(FakeLink link) {
        links.remove(link.name);
        indexes.remove(link.index);
        forgetDevice(link.name);
        link.master = null;
        link.port = null;
        for (FakeLink port : links.values()) {
            if (port.master == link) {
                port.master = null;
                port.port = null;
            }
        }
    }

    private void forgetDevice(String dev) {
        addresses.removeIf(a -> a.dev().equals(dev));
        routes.removeIf(r -> dev.equals(r.dev()));
        neighbors.values().removeIf(n -> n.dev().equals(dev));
        fdb.values().removeIf(f -> f.dev().equals(dev));
    }

    /** IPv4 takes routes through a device away when the device goes down. */
    void linkDown(FakeLink link) {
        link.up = false;
        routes.removeIf(r -> link.name.equals(r.dev()));
    }

    void addAddress(Address address) {
        if (!addresses.contains(address)) {
            addresses.add(address);
        }
    }

    void deleteAddress(Address address) {
        if (addresses.remove(address)) {
            // A gateway route whose next hop is no longer on a connected subnet goes with the address.
            routes.removeIf(r -> r.gateway() != null && address.dev().equals(r.dev())
                    && onLinkDevice(r.gateway(), address.dev()) == null);
        }
    }

    /** The up device (or only {@code dev}, when given) with an address whose subnet holds {@code gateway}. */
    String onLinkDevice(InetAddress gateway, String dev) {
        for (Address a : addresses) {
            FakeLink l = links.get(a.dev());
            if (l != null && l.up && (dev == null || dev.equals(a.dev())) && a.prefix().contains(gateway)) {
                return a.dev();
            }
        }
        return null;
    }

    void replaceRoute(Route route) {
        routes.removeIf(r -> r.dst().equals(route.dst()));
        routes.add(route);
    }

    void deleteRoute(Route route) {
        routes.removeIf(r -> r.dst().equals(route.dst())
                && (route.gateway() == null || route.gateway().equals(r.gateway()))
                && (route.dev() == null || route.dev().equals(r.dev())));
    }

    void setNeighbor(Neighbor n) {
        neighbors.put(new NeighborKey(n.dev(), n.ip()), new Neighbor(n.dev(), n.ip(), n.mac(), true));
    }

    void deleteNeighbor(String dev, InetAddress ip) {
        neighbors.remove(new NeighborKey(dev, ip));
    }

    /** Replaces the entry for the same device, MAC and table (self or master): NLM_F_REPLACE without APPEND. */
    void setFdb(FdbEntry e) {
        FdbKey key = new FdbKey(e.dev(), e.mac(), e.self());
        fdb.remove(key); // a replaced row moves to the end, as a fresh kernel entry would be dumped
        fdb.put(key, e);
    }

    void deleteFdb(String dev, MacAddress mac, InetAddress dst) {
        for (boolean self : new boolean[] {true, false}) {
            FdbKey key = new FdbKey(dev, mac, self);
            FdbEntry e = fdb.get(key);
            if (e != null && (dst == null || dst.equals(e.dst()))) {
                fdb.remove(key);
            }
        }
    }

    List<Link> linkDump() {
        return links.values().stream().sorted(Comparator.comparingInt(l -> l.index)).map(FakeLink::toLink).toList();
    }

    /** Explicit routes plus the connected IPv4 routes the kernel derives from addresses on up devices. */
    List<Route> routeDump() {
        List<Route> out = new ArrayList<>();
        for (Address a : addresses) {
            FakeLink l = links.get(a.dev());
            IpPrefix net = a.prefix().network();
            Route connected = new Route(net, null, a.dev());
            if (l != null && l.up && a.prefix().isIpv4() && a.prefix().length() < 32 && !out.contains(connected)) {
                out.add(connected);
            }
        }
        routes.stream().filter(r -> !out.contains(r)).forEach(out::add);
        return out;
    }

    /** Whether a VXLAN device created in {@code creation} already uses this VNI and port. */
    static boolean vniInUse(Iterable<FakeNetns> all, Netns creation, LinkSpec.Vxlan spec) {
        for (FakeNetns ns : all) {
            for (FakeLink l : ns.links.values()) {
                if (l.vxlan != null && Objects.equals(l.creationNs, creation)
                        && l.vxlan.vni().equals(spec.vni()) && l.vxlan.port() == spec.port()) {
                    return true;
                }
            }
        }
        return false;
    }
}
