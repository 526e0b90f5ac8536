package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.Netns;
import java.util.ArrayList;
import java.util.List;

/** The iproute2 command lines of {@link IprouteKernel}, one {@link KernelChange} at a time. */
final class IprouteCommands {
    private IprouteCommands() {
    }

    static List<List<String>> of(KernelChange change) {
        return switch (change) {
            case KernelChange.AddLink a -> List.of(addLink(a.spec()));
            case KernelChange.DeleteLink d -> List.of(List.of("ip", "link", "del", d.name()));
            case KernelChange.MoveLink m -> List.of(List.of("ip", "link", "set", m.name(), "netns", nsName(m.target()),
                    "name", m.newName()));
            case KernelChange.SetLink s -> List.of(setLink(s));
            case KernelChange.AddAddress a -> List.of(List.of("ip", "addr", "replace", a.address().prefix().toString(),
                    "dev", a.address().dev()));
            case KernelChange.DeleteAddress d -> List.of(List.of("ip", "addr", "del", d.address().prefix().toString(),
                    "dev", d.address().dev()));
            case KernelChange.ReplaceRoute r -> List.of(route("replace", r.route()));
            case KernelChange.DeleteRoute r -> List.of(route("del", r.route()));
            case KernelChange.SetNeighbor n -> List.of(List.of("ip", "neigh", "replace", n.neighbor().ip().getHostAddress(),
                    "lladdr", String.valueOf(n.neighbor().mac()), "dev", n.neighbor().dev(), "nud", "permanent"));
            case KernelChange.DeleteNeighbor n -> List.of(List.of("ip", "neigh", "del", n.ip().getHostAddress(),
                    "dev", n.dev()));
            case KernelChange.SetFdb f -> List.of(fdb("replace", f.entry()));
            case KernelChange.DeleteFdb f -> {
                List<String> cmd = new ArrayList<>(List.of("bridge", "fdb", "del", f.mac().toString(), "dev", f.dev()));
                if (f.dst() != null) {
                    cmd.addAll(List.of("dst", f.dst().getHostAddress()));
                }
                cmd.add("self");
                yield List.of(cmd);
            }
            case KernelChange.SetBridgePort p -> List.of(List.of("ip", "link", "set", p.dev(), "type", "bridge_slave",
                    "learning", p.port().learning() ? "on" : "off", "locked", p.port().locked() ? "on" : "off"));
            case KernelChange.SetPortFilter p ->
                    throw new UnsupportedOperationException("the iproute2 oracle does not program port filters");
            case KernelChange.DeletePortFilter p -> List.of(List.of("tc", "qdisc", "del", "dev", p.dev(), "clsact"));
            case KernelChange.SetXfrmState x -> IprouteXfrm.of(x);
            case KernelChange.DeleteXfrmState x -> IprouteXfrm.of(x);
            case KernelChange.SetXfrmPolicy x -> IprouteXfrm.of(x);
            case KernelChange.DeleteXfrmPolicy x -> IprouteXfrm.of(x);
        };
    }

    /** Deletes of what is absent succeed by contract; iproute2 reports them as errors. */
    static boolean absentIsFine(KernelChange change, String out) {
        boolean isDelete = switch (change) {
            case KernelChange.DeleteLink d -> true;
            case KernelChange.DeleteAddress d -> true;
            case KernelChange.DeleteRoute d -> true;
            case KernelChange.DeleteNeighbor d -> true;
            case KernelChange.DeleteFdb d -> true;
            case KernelChange.AddLink a -> false;
            case KernelChange.MoveLink m -> false;
            case KernelChange.SetLink s -> false;
            case KernelChange.AddAddress a -> false;
            case KernelChange.ReplaceRoute r -> false;
            case KernelChange.SetNeighbor n -> false;
            case KernelChange.SetFdb f -> false;
            case KernelChange.SetBridgePort p -> false;
            case KernelChange.SetPortFilter p -> false;
            case KernelChange.DeletePortFilter p -> true;
            case KernelChange.SetXfrmState x -> false;
            case KernelChange.DeleteXfrmState x -> true;
            case KernelChange.SetXfrmPolicy x -> false;
            case KernelChange.DeleteXfrmPolicy x -> true;
        };
        return isDelete && (out.contains("Cannot find device") || out.contains("No such") || out.contains("not found")
                || out.contains("Cannot assign requested address") || out.contains("does not exist"));
    }

    private static List<String> addLink(LinkSpec spec) {
        List<String> cmd = new ArrayList<>(List.of("ip", "link", "add", spec.name()));
        switch (spec) {
            case LinkSpec.Bridge b -> {
                common(cmd, b.mtu(), b.mac());
                cmd.addAll(List.of("type", "bridge"));
            }
            case LinkSpec.Vxlan v -> {
                common(cmd, v.mtu(), null);
                cmd.addAll(List.of("type", "vxlan", "id", v.vni().toString(), "dstport", Integer.toString(v.port()),
                        "local", v.local().getHostAddress(), v.learning() ? "learning" : "nolearning"));
                cmd.add(v.proxy() ? "proxy" : "noproxy");
                cmd.add(v.l2miss() ? "l2miss" : "nol2miss");
                cmd.add(v.l3miss() ? "l3miss" : "nol3miss");
            }
            case LinkSpec.Veth v -> {
                common(cmd, v.mtu(), v.mac());
                cmd.addAll(List.of("type", "veth", "peer", "name", v.peerName(), "netns", nsName(v.peerNs())));
                common(cmd, v.mtu(), v.peerMac());
            }
        }
        return cmd;
    }

    private static void common(List<String> cmd, int mtu, io.jswarm.vxlan.MacAddress mac) {
        if (mtu != 0) {
            cmd.addAll(List.of("mtu", Integer.toString(mtu)));
        }
        if (mac != null) {
            cmd.addAll(List.of("address", mac.toString()));
        }
    }

    private static List<String> setLink(KernelChange.SetLink s) {
        List<String> cmd = new ArrayList<>(List.of("ip", "link", "set", s.name()));
        if (s.mtu() != null) {
            cmd.addAll(List.of("mtu", s.mtu().toString()));
        }
        if (s.mac() != null) {
            cmd.addAll(List.of("address", s.mac().toString()));
        }
        if (s.master() != null) {
            cmd.addAll(s.master().equals(KernelChange.SetLink.NO_MASTER) ? List.of("nomaster")
                    : List.of("master", s.master()));
        }
        if (s.up() != null) {
            cmd.add(s.up() ? "up" : "down");
        }
        return cmd;
    }

    private static List<String> route(String verb, Route r) {
        List<String> cmd = new ArrayList<>(List.of("ip", "route", verb, r.dst().toString()));
        if (r.gateway() != null) {
            cmd.addAll(List.of("via", r.gateway().getHostAddress()));
        }
        if (r.dev() != null) {
            cmd.addAll(List.of("dev", r.dev()));
        }
        return cmd;
    }

    private static List<String> fdb(String verb, FdbEntry e) {
        List<String> cmd = new ArrayList<>(List.of("bridge", "fdb", verb, e.mac().toString(), "dev", e.dev()));
        if (e.dst() != null) {
            cmd.addAll(List.of("dst", e.dst().getHostAddress()));
        }
        cmd.add(e.self() ? "self" : "master");
        if (e.permanent()) {
            cmd.add("permanent");
        }
        if (e.sticky()) {
            cmd.addAll(List.of("static", "sticky"));
        }
        return cmd;
    }

    private static String nsName(Netns ns) {
        return switch (ns) {
            case Netns.Current c -> throw new IllegalArgumentException("IprouteKernel cannot name the current namespace");
            case Netns.AtPath(var path) -> IprouteKernel.name(path);
        };
    }
}
