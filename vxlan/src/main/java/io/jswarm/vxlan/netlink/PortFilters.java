package io.jswarm.vxlan.netlink;

import static io.jswarm.vxlan.netlink.Rtnl.*;

import io.jswarm.vxlan.kernel.PortFilter;
import java.util.List;
import java.util.Optional;

/** Reads a {@link PortFilter} back from an ingress filter dump: exactly its three rules, or nothing. */
final class PortFilters {
    private PortFilters() {
    }

    static Optional<PortFilter> recognise(String dev, List<RtnlDecoder.Flower> flowers) {
        if (flowers.size() != 3) {
            return Optional.empty();
        }
        RtnlDecoder.Flower ip = flowers.get(0);
        RtnlDecoder.Flower arp = flowers.get(1);
        RtnlDecoder.Flower rest = flowers.get(2);
        boolean shape = ip.prio() == 1 && ip.ethType() == ETH_P_IP && ip.ipv4Src() != null && ip.arpSip() == null
                && ip.arpSha() == null && ip.action() == TC_ACT_OK
                && arp.prio() == 2 && arp.ethType() == ETH_P_ARP && arp.ipv4Src() == null
                && ip.ipv4Src().equals(arp.arpSip()) && arp.arpSha() != null && arp.action() == TC_ACT_OK
                && rest.prio() == 3 && rest.ethType() == ETH_P_ALL && rest.ipv4Src() == null && rest.arpSip() == null
                && rest.arpSha() == null && rest.action() == TC_ACT_SHOT;
        return shape ? Optional.of(new PortFilter(dev, arp.arpSha(), ip.ipv4Src())) : Optional.empty();
    }
}
