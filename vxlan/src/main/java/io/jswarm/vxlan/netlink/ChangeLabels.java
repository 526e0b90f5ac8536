package io.jswarm.vxlan.netlink;

import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.Route;
import java.net.InetAddress;

/** How a change is named in errors: the rtnetlink message type and its object, as iproute2 users know them. */
final class ChangeLabels {
    private ChangeLabels() {
    }

    static String of(KernelChange change) {
        return switch (change) {
            case KernelChange.AddLink c -> "RTM_NEWLINK " + c.spec().name();
            case KernelChange.DeleteLink c -> "RTM_DELLINK " + c.name();
            case KernelChange.MoveLink c -> "RTM_NEWLINK " + c.name() + " (move to " + c.target() + " as "
                    + c.newName() + ")";
            case KernelChange.SetLink c -> "RTM_NEWLINK " + c.name() + " (set)";
            case KernelChange.AddAddress c -> "RTM_NEWADDR " + c.address().prefix() + " dev " + c.address().dev();
            case KernelChange.DeleteAddress c -> "RTM_DELADDR " + c.address().prefix() + " dev " + c.address().dev();
            case KernelChange.ReplaceRoute c -> "RTM_NEWROUTE " + route(c.route());
            case KernelChange.DeleteRoute c -> "RTM_DELROUTE " + route(c.route());
            case KernelChange.SetNeighbor c -> "RTM_NEWNEIGH " + ip(c.neighbor().ip()) + " dev " + c.neighbor().dev();
            case KernelChange.DeleteNeighbor c -> "RTM_DELNEIGH " + ip(c.ip()) + " dev " + c.dev();
            case KernelChange.SetFdb c -> "RTM_NEWNEIGH fdb " + c.entry().mac() + " dev " + c.entry().dev()
                    + (c.entry().dst() == null ? "" : " dst " + ip(c.entry().dst()));
            case KernelChange.SetBridgePort c -> "RTM_NEWLINK " + c.dev() + " (bridge port learning="
                    + c.port().learning() + " locked=" + c.port().locked() + ")";
            case KernelChange.SetPortFilter c -> "RTM_NEWTFILTER " + c.filter().dev() + " (port filter "
                    + ip(c.filter().ip()) + " " + c.filter().mac() + ")";
            case KernelChange.DeletePortFilter c -> "RTM_DELQDISC clsact dev " + c.dev();
            case KernelChange.DeleteFdb c -> "RTM_DELNEIGH fdb " + c.mac() + " dev " + c.dev()
                    + (c.dst() == null ? "" : " dst " + ip(c.dst()));
            case KernelChange.SetXfrmState c -> "XFRM_MSG_NEWSA " + c.state();
            case KernelChange.DeleteXfrmState c -> "XFRM_MSG_DELSA dst " + ip(c.id().dst()) + " spi 0x"
                    + Integer.toHexString(c.id().spi());
            case KernelChange.SetXfrmPolicy c -> "XFRM_MSG_UPDPOLICY " + c.policy().dir() + " " + c.policy().selector();
            case KernelChange.DeleteXfrmPolicy c -> "XFRM_MSG_DELPOLICY " + c.key().dir() + " " + c.key().selector();
        };
    }

    private static String route(Route r) {
        return r.dst() + (r.gateway() == null ? "" : " via " + ip(r.gateway())) + (r.dev() == null ? "" : " dev " + r.dev());
    }

    private static String ip(InetAddress a) {
        return a == null ? "?" : a.getHostAddress();
    }
}
