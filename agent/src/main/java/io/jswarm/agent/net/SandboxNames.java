package io.jswarm.agent.net;

import io.jswarm.dns.DnsEndpoint;
import io.jswarm.dns.EndpointNames;
import io.jswarm.dns.NameLookup;
import io.jswarm.gossip.table.EndpointRecord;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The names one sandbox resolves: those of every endpoint on the sandbox's networks, bare and qualified by
 * the network's name ({@code web.frontend}). The DNS server reads it on its event loop; the agent swaps in a
 * rebuilt immutable {@link EndpointNames} on every table change, so a lookup never blocks or sees a half-made map.
 */
final class SandboxNames implements NameLookup {
    /** Names and the forwarding decision swap together, so no query sees one without the other. */
    private record Current(EndpointNames names, boolean forwards) {
    }

    /** Until the first update: nothing known and nothing forwarded (fail closed). */
    private volatile Current current = new Current(EndpointNames.empty(), false);

    /**
     * @param views    the visible view of each of the sandbox's networks, by network name
     * @param forwards whether unknown names may go to the host's resolvers: false when every network of the
     *                 sandbox is internal (Docker: no external DNS on internal networks)
     */
    void update(Map<String, Map<String, EndpointRecord>> views, boolean forwards) {
        Map<String, List<DnsEndpoint>> byNetwork = new LinkedHashMap<>();
        views.forEach((network, view) -> byNetwork.put(network, view.values().stream()
                .map(r -> new DnsEndpoint(r.name(), r.aliases(), r.ip())).toList()));
        current = new Current(EndpointNames.of(byNetwork), forwards);
    }

    @Override
    public List<Inet4Address> addresses(String name) {
        return current.names().addresses(name);
    }

    @Override
    public Optional<String> name(InetAddress address) {
        return current.names().name(address);
    }

    @Override
    public boolean isLocal(InetAddress address) {
        return current.names().isLocal(address);
    }

    @Override
    public boolean forwards() {
        return current.forwards();
    }
}
