package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.MacAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Applies one {@link KernelChange} to the {@link FakeKernel}'s tables with the kernel's rules and errnos
 * (checked against Linux 6.18 with iproute2 where the contract is silent). Guarded by the kernel's lock.
 */
final class FakeChanges {
    static final int ENOENT = 2;
    static final int EEXIST = 17;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int ELOOP = 40;
    static final int EOPNOTSUPP = 95;
    static final int ENETUNREACH = 101;

    private final FakeKernel kernel;
    /** Locally administered, deterministic MACs for devices created without one (the kernel picks random ones). */
    private final AtomicLong nextMac = new AtomicLong(0x02_00_00_00_00_01L);

    FakeChanges(FakeKernel kernel) {
        this.kernel = kernel;
    }

    void apply(FakeNetns ns, KernelChange change) throws KernelException {
        switch (change) {
            case KernelChange.AddLink add -> addLink(ns, add, add.spec());
            case KernelChange.DeleteLink del -> {
                FakeLink l = ns.link(del.name());
                if (l != null) {
                    kernel.destroy(l);
                }
            }
            case KernelChange.MoveLink move -> moveLink(ns, move);
            case KernelChange.SetLink set -> setLink(ns, set);
            case KernelChange.AddAddress add -> {
                device(ns, add, "RTM_NEWADDR", add.address().dev());
                ns.addAddress(add.address());
            }
            case KernelChange.DeleteAddress del -> ns.deleteAddress(del.address());
            case KernelChange.ReplaceRoute rr -> replaceRoute(ns, rr);
            case KernelChange.DeleteRoute dr -> ns.deleteRoute(dr.route());
            case KernelChange.SetNeighbor sn -> {
                device(ns, sn, "RTM_NEWNEIGH", sn.neighbor().dev());
                if (sn.neighbor().mac() == null) {
                    throw error("RTM_NEWNEIGH", sn, EINVAL, "a permanent neighbour needs a link-layer address");
                }
                ns.setNeighbor(sn.neighbor());
            }
            case KernelChange.DeleteNeighbor dn -> ns.deleteNeighbor(dn.dev(), dn.ip());
            case KernelChange.SetFdb sf -> {
                FakeLink dev = device(ns, sf, "RTM_NEWNEIGH", sf.entry().dev());
                if (sf.entry().dst() != null && dev.vxlan == null) {
                    throw error("RTM_NEWNEIGH", sf, EINVAL, "only a VXLAN device takes an FDB destination");
                }
                if (sf.entry().sticky() && dev.master == null) {
                    throw error("RTM_NEWNEIGH", sf, EOPNOTSUPP, "a master FDB entry needs a bridge port");
                }
                ns.setFdb(sf.entry());
            }
            case KernelChange.DeleteFdb df -> ns.deleteFdb(df.dev(), df.mac(), df.dst());
            case KernelChange.SetBridgePort sp -> {
                FakeLink dev = device(ns, sp, "RTM_NEWLINK", sp.dev());
                if (dev.master == null) {
                    throw error("RTM_NEWLINK", sp, EOPNOTSUPP, "bridge port flags on a device that is no port");
                }
                dev.port = sp.port();
            }
            case KernelChange.SetPortFilter sf -> device(ns, sf, "RTM_NEWQDISC", sf.filter().dev()).filter = sf.filter();
            case KernelChange.DeletePortFilter df -> {
                FakeLink dev = ns.link(df.dev());
                if (dev != null) {
                    dev.filter = null;
                }
            }
            case KernelChange.SetXfrmState x -> ns.xfrm.setState(x, kernel.espSupported());
            case KernelChange.DeleteXfrmState x -> ns.xfrm.deleteState(x.id());
            case KernelChange.SetXfrmPolicy x -> ns.xfrm.setPolicy(x.policy());
            case KernelChange.DeleteXfrmPolicy x -> ns.xfrm.deletePolicy(x.key());
        }
    }

    private void addLink(FakeNetns ns, KernelChange change, LinkSpec spec) throws KernelException {
        if (ns.link(spec.name()) != null) {
            throw error("RTM_NEWLINK", change, EEXIST, null);
        }
        switch (spec) {
            case LinkSpec.Bridge b -> ns.attach(new FakeLink(b.name(), "bridge", mtuOr(b.mtu()), macOr(b.mac()),
                    null, null), 0);
            case LinkSpec.Vxlan v -> {
                if (FakeNetns.vniInUse(kernel.allNamespaces(), ns.id, v)) {
                    throw error("RTM_NEWLINK", change, EEXIST, "A VXLAN device with the specified VNI already exists");
                }
                var info = new Link.VxlanInfo(v.vni(), v.port(), v.local(), v.learning(), v.proxy(), v.l2miss(),
                        v.l3miss());
                ns.attach(new FakeLink(v.name(), "vxlan", mtuOr(v.mtu()), macOr(null), info, ns.id), 0);
            }
            case LinkSpec.Veth v -> {
                FakeNetns peerNs = kernel.namespace(v.peerNs());
                if (peerNs == null) {
                    throw error("RTM_NEWLINK", change, ENOENT, "peer namespace " + v.peerNs() + " does not exist");
                }
                if (peerNs.link(v.peerName()) != null || (peerNs == ns && v.peerName().equals(v.name()))) {
                    throw error("RTM_NEWLINK", change, EEXIST, null);
                }
                FakeLink a = new FakeLink(v.name(), "veth", mtuOr(v.mtu()), macOr(v.mac()), null, null);
                FakeLink b = new FakeLink(v.peerName(), "veth", mtuOr(v.mtu()), macOr(v.peerMac()), null, null);
                a.peer = b;
                b.peer = a;
                ns.attach(a, 0);
                peerNs.attach(b, 0);
            }
        }
    }

    private void moveLink(FakeNetns ns, KernelChange.MoveLink move) throws KernelException {
        FakeLink l = device(ns, move, "RTM_NEWLINK", move.name());
        FakeNetns target = kernel.namespace(move.target());
        if (target == null) {
            throw error("RTM_NEWLINK", move, ENOENT, "namespace " + move.target() + " does not exist");
        }
        FakeLink clash = target.link(move.newName());
        if (clash != null && clash != l) {
            throw error("RTM_NEWLINK", move, EEXIST, null);
        }
        if (target == ns) {
            ns.links.remove(l.name);
            l.name = move.newName();
            ns.links.put(l.name, l);
            return;
        }
        // Moving closes the device and unregisters it from the old namespace: down, no master, no addresses.
        int index = l.index;
        ns.detach(l);
        l.up = false;
        l.name = move.newName();
        target.attach(l, index);
    }

    private void setLink(FakeNetns ns, KernelChange.SetLink set) throws KernelException {
        FakeLink l = device(ns, set, "RTM_NEWLINK", set.name());
        FakeLink master = null;
        if (set.master() != null && !set.master().equals(KernelChange.SetLink.NO_MASTER)) {
            master = device(ns, set, "RTM_NEWLINK", set.master());
            if (!master.isBridge()) {
                throw error("RTM_NEWLINK", set, EOPNOTSUPP, null);
            }
            if (master == l || l.isBridge()) {
                throw error("RTM_NEWLINK", set, ELOOP, null);
            }
        }
        if (set.mtu() != null && (set.mtu() < 68 || set.mtu() > 65535)) {
            throw error("RTM_NEWLINK", set, EINVAL, "mtu " + set.mtu() + " out of range");
        }
        if (set.mtu() != null) {
            l.mtu = set.mtu();
        }
        if (set.mac() != null) {
            l.mac = set.mac();
        }
        if (set.master() != null && master != l.master) {
            l.master = master;
            l.port = master == null ? null : Link.BridgePort.DEFAULT;
            if (master == null) {
                ns.fdb.values().removeIf(f -> f.dev().equals(l.name) && !f.self());
            }
        }
        if (set.up() != null) {
            if (set.up()) {
                l.up = true;
            } else {
                ns.linkDown(l);
            }
        }
    }

    private void replaceRoute(FakeNetns ns, KernelChange.ReplaceRoute rr) throws KernelException {
        Route r = rr.route();
        if (r.dev() != null) {
            device(ns, rr, "RTM_NEWROUTE", r.dev());
        }
        String dev = r.dev();
        if (r.gateway() != null) {
            dev = ns.onLinkDevice(r.gateway(), r.dev());
            if (dev == null) {
                throw r.dev() != null
                        ? error("RTM_NEWROUTE", rr, EINVAL, "Nexthop has invalid gateway")
                        : error("RTM_NEWROUTE", rr, ENETUNREACH, null);
            }
        }
        ns.replaceRoute(new Route(r.dst(), r.gateway(), dev));
    }

    private FakeLink device(FakeNetns ns, KernelChange change, String op, String name) throws KernelException {
        FakeLink l = ns.link(name);
        if (l == null) {
            throw error(op, change, ENODEV, "device " + name + " not found");
        }
        return l;
    }

    private static int mtuOr(int mtu) {
        return mtu == 0 ? 1500 : mtu;
    }

    private MacAddress macOr(MacAddress mac) {
        return mac != null ? mac : new MacAddress(nextMac.getAndAdd(1));
    }

    static KernelException error(String op, KernelChange change, int errno, String extack) {
        return new KernelException(op + " " + describe(change), change, errno, errnoName(errno), extack);
    }

    static String errnoName(int errno) {
        return switch (errno) {
            case ENOENT -> "ENOENT";
            case EEXIST -> "EEXIST";
            case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL";
            case ELOOP -> "ELOOP";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case ENETUNREACH -> "ENETUNREACH";
            case 1 -> "EPERM";
            case 12 -> "ENOMEM";
            case 16 -> "EBUSY";
            case 105 -> "ENOBUFS";
            case FakeXfrm.ENOSYS -> "ENOSYS";
            default -> "E" + errno;
        };
    }

    private static String describe(KernelChange change) {
        return switch (change) {
            case KernelChange.AddLink a -> a.spec().name();
            case KernelChange.DeleteLink d -> d.name();
            case KernelChange.MoveLink m -> m.name();
            case KernelChange.SetLink s -> s.name();
            case KernelChange.AddAddress a -> a.address().dev();
            case KernelChange.DeleteAddress d -> d.address().dev();
            case KernelChange.ReplaceRoute r -> String.valueOf(r.route().dst());
            case KernelChange.DeleteRoute r -> String.valueOf(r.route().dst());
            case KernelChange.SetNeighbor n -> n.neighbor().dev();
            case KernelChange.DeleteNeighbor n -> n.dev();
            case KernelChange.SetFdb f -> f.entry().dev();
            case KernelChange.DeleteFdb f -> f.dev();
            case KernelChange.SetBridgePort p -> p.dev();
            case KernelChange.SetPortFilter p -> p.filter().dev();
            case KernelChange.DeletePortFilter p -> p.dev();
            case KernelChange.SetXfrmState x -> x.state().toString();
            case KernelChange.DeleteXfrmState x -> "dst " + x.id().dst().getHostAddress() + " spi 0x"
                    + Integer.toHexString(x.id().spi());
            case KernelChange.SetXfrmPolicy x -> x.policy().dir() + " " + x.policy().selector();
            case KernelChange.DeleteXfrmPolicy x -> x.key().dir() + " " + x.key().selector();
        };
    }
}
