package io.jswarm.gossip.dns;

import io.jswarm.gossip.table.EndpointRecord;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * An immutable {@link NameLookup} built from the visible views of the endpoint tables of one sandbox's
 * networks. The agent rebuilds it on every view change and swaps it in (a volatile reference), so lookups on
 * the DNS event loop never lock and never see a half-applied change. Tables of other networks are simply not
 * passed in, which is what keeps their names from resolving.
 */
public final class EndpointNames implements NameLookup {

    private static final Comparator<InetAddress> BY_BYTES = (a, b) -> java.util.Arrays.compare(a.getAddress(), b.getAddress());

    private final Map<String, List<Inet4Address>> byName;
    private final Map<InetAddress, String> byAddress;

    private EndpointNames(Map<String, List<Inet4Address>> byName, Map<InetAddress, String> byAddress) {
        this.byName = byName;
        this.byAddress = byAddress;
    }

    /** @param views the visible views ({@code EndpointTable.visible()}) of the sandbox's networks */
    public static EndpointNames of(Collection<Map<String, EndpointRecord>> views) {
        var names = new HashMap<String, TreeSet<InetAddress>>();
        var reverse = new HashMap<InetAddress, String>();
        for (var view : views) {
            for (EndpointRecord r : view.values()) {
                var keys = new ArrayList<String>();
                keys.add(r.name());
                keys.addAll(r.aliases());
                if (r.ip() instanceof Inet4Address) {
                    for (String k : keys) {
                        names.computeIfAbsent(QueryHandler.normalise(k), x -> new TreeSet<>(BY_BYTES)).add(r.ip());
                    }
                }
                // One address, one PTR name; the smallest name wins so every rebuild answers the same.
                reverse.merge(r.ip(), QueryHandler.normalise(r.name()), (a, b) -> a.compareTo(b) <= 0 ? a : b);
            }
        }
        var byName = new HashMap<String, List<Inet4Address>>();
        names.forEach((k, v) -> byName.put(k, v.stream().map(a -> (Inet4Address) a).toList()));
        return new EndpointNames(Map.copyOf(byName), Map.copyOf(reverse));
    }

    @Override
    public List<Inet4Address> addresses(String name) {
        return byName.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    @Override
    public Optional<String> name(InetAddress address) {
        return Optional.ofNullable(byAddress.get(address));
    }
}
