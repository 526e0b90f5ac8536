package io.jswarm.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * An immutable {@link NameLookup} built from the endpoints of one sandbox's networks, keyed by network name.
 * The agent rebuilds it on every view change and swaps it in (a volatile reference), so lookups on the DNS
 * event loop never lock and never see a half-applied change. Networks the sandbox is not on are simply not
 * passed in, which is what keeps their names from resolving.
 *
 * <p>As in Docker, every name and alias also resolves qualified by its network's name ({@code web.frontend}),
 * and only from that network: {@code web.backend} does not answer with frontend's {@code web}.
 */
public final class EndpointNames implements NameLookup {

    private static final Comparator<InetAddress> BY_BYTES = (a, b) -> java.util.Arrays.compare(a.getAddress(), b.getAddress());

    private final Map<String, List<Inet4Address>> byName;
    private final Map<InetAddress, String> byAddress;
    private final Set<InetAddress> local;

    private EndpointNames(Map<String, List<Inet4Address>> byName, Map<InetAddress, String> byAddress, Set<InetAddress> local) {
        this.byName = byName;
        this.byAddress = byAddress;
        this.local = local;
    }

    public static EndpointNames empty() {
        return of(Map.of());
    }

    /** @param networks the visible endpoints of each of the sandbox's networks, by network name */
    public static EndpointNames of(Map<String, ? extends Collection<DnsEndpoint>> networks) {
        var names = new HashMap<String, TreeSet<InetAddress>>();
        var reverse = new HashMap<InetAddress, String>();
        var local = new HashSet<InetAddress>();
        networks.forEach((network, endpoints) -> {
            String suffix = network.isEmpty() ? null : "." + DnsNames.normalise(network);
            for (DnsEndpoint e : endpoints) {
                local.add(e.ip());
                var keys = new ArrayList<String>();
                keys.add(e.name());
                keys.addAll(e.aliases());
                if (e.ip() instanceof Inet4Address) {
                    for (String k : keys) {
                        String key = DnsNames.normalise(k);
                        names.computeIfAbsent(key, x -> new TreeSet<>(BY_BYTES)).add(e.ip());
                        if (suffix != null) {
                            names.computeIfAbsent(key + suffix, x -> new TreeSet<>(BY_BYTES)).add(e.ip());
                        }
                    }
                }
                // One address, one PTR name; the smallest name wins so every rebuild answers the same. A name
                // that cannot be a host name is never answered (the address is still local: NXDOMAIN).
                String ptr = DnsNames.normalise(e.name());
                if (DnsNames.isHostName(ptr)) {
                    reverse.merge(e.ip(), ptr, (a, b) -> a.compareTo(b) <= 0 ? a : b);
                }
            }
        });
        var byName = new HashMap<String, List<Inet4Address>>();
        names.forEach((k, v) -> byName.put(k, v.stream().map(a -> (Inet4Address) a).toList()));
        return new EndpointNames(Map.copyOf(byName), Map.copyOf(reverse), Set.copyOf(local));
    }

    @Override
    public List<Inet4Address> addresses(String name) {
        return byName.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    @Override
    public Optional<String> name(InetAddress address) {
        return Optional.ofNullable(byAddress.get(address));
    }

    @Override
    public boolean isLocal(InetAddress address) {
        return local.contains(address);
    }
}
