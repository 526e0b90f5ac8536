package io.jswarm.vxlan;

import io.jswarm.vxlan.ReconcileReport.Kind;
import io.jswarm.vxlan.kernel.FdbEntry;
import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelChange.SetBridgePort;
import io.jswarm.vxlan.kernel.KernelChange.SetFdb;
import io.jswarm.vxlan.kernel.KernelChange.SetPortFilter;
import io.jswarm.vxlan.kernel.Link;
import io.jswarm.vxlan.kernel.PortFilter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A sandbox may send on its network's bridge only with its own MAC and its own IP (issue 9, finding 10). On the
 * endpoint's bridge port ({@code ve<id>} in the network namespace, never the host's):
 * <ul>
 *   <li>{@code learning off}: the bridge never learns a source MAC from the sandbox, so a frame with another
 *       endpoint's MAC cannot move that endpoint's FDB entry to this port (the takeover that steals or
 *       blackholes its traffic);</li>
 *   <li>a static {@code sticky} FDB entry for the endpoint's own MAC on the port: the bridge forwards to it
 *       without learning, and learning on another port (vxlan0 from a remote host) cannot move it either;</li>
 *   <li>{@code locked on}: only frames whose source MAC has an FDB entry on this port pass, i.e. the own MAC;</li>
 *   <li>a tc source filter ({@link PortFilter}): IPv4 only from the endpoint's IP, ARP only with its IP and MAC
 *       as sender (no ARP poisoning of other sandboxes), nothing else.</li>
 * </ul>
 * All of it hangs off the port: it is made with the veth (and undone with it by the endpoint's rollback), goes
 * when the veth goes, and every converge (ensure, reconcile) reads it back and sets what differs.
 * {@code vxlan0} itself has learning off (static FDB only), so a remote host learns nothing from frames either.
 */
final class PortGuards {
    private final Kernel kernel;

    PortGuards(Kernel kernel) {
        this.kernel = kernel;
    }

    /**
     * The changes that guard {@code ep}'s port, reporting each difference. {@code host} is the port as dumped
     * after it was made a port of br0; {@code fdb} the network namespace's FDB.
     */
    List<KernelChange> converge(NetworkState net, EndpointState ep, Link host, List<FdbEntry> fdb, Repairs repairs)
            throws IOException {
        EndpointSpec spec = ep.spec();
        String port = ep.hostIf();
        List<KernelChange> changes = new ArrayList<>();
        FdbEntry own = FdbEntry.port(port, spec.mac());
        if (!fdb.contains(own)) {
            repairs.add(net.id(), Kind.PORT_GUARD, "fdb " + spec.mac() + " dev " + port + " master static sticky");
            changes.add(new SetFdb(own));
        }
        if (!Link.BridgePort.GUARDED.equals(host.port())) {
            repairs.add(net.id(), Kind.PORT_GUARD, port + " bridge port " + host.port() + ", want learning off locked on");
            changes.add(new SetBridgePort(port, Link.BridgePort.GUARDED));
        }
        if (!(spec.address().address() instanceof java.net.Inet4Address ip)) {
            // IPv6 overlays are not built yet: an IPv6 endpoint keeps the MAC guard; its source filter (with
            // neighbour discovery's rules) comes with them.
            return changes;
        }
        PortFilter want = new PortFilter(port, spec.mac(), ip);
        if (!kernel.portFilter(net.ns, port).filter(want::equals).isPresent()) {
            repairs.add(net.id(), Kind.PORT_GUARD, port + " source filter, want " + want.ip().getHostAddress() + " "
                    + want.mac());
            changes.add(new SetPortFilter(want));
        }
        return changes;
    }
}
