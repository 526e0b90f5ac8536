package io.jswarm.agent.net;

import io.jswarm.gossip.dns.EndpointNames;
import io.jswarm.gossip.dns.NameLookup;
import io.jswarm.gossip.table.EndpointRecord;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The names one sandbox resolves: those of every endpoint on the sandbox's networks. The DNS server reads
 * it on its event loop; the agent swaps in a rebuilt immutable {@link EndpointNames} on every table change,
 * so a lookup never blocks or sees a half-made map.
 */
final class SandboxNames implements NameLookup {
    private volatile EndpointNames names = EndpointNames.of(List.of());

    void update(Collection<Map<String, EndpointRecord>> views) {
        names = EndpointNames.of(views);
    }

    @Override
    public List<Inet4Address> addresses(String name) {
        return names.addresses(name);
    }

    @Override
    public Optional<String> name(InetAddress address) {
        return names.name(address);
    }
}
