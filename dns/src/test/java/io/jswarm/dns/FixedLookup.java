package io.jswarm.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A lookup with fixed names (one address each) for tests. */
record FixedLookup(Map<String, String> names) implements NameLookup {

    @Override
    public List<Inet4Address> addresses(String name) {
        String ip = names.get(name);
        return ip == null ? List.of() : List.of((Inet4Address) InetAddress.ofLiteral(ip));
    }

    @Override
    public Optional<String> name(InetAddress address) {
        return names.entrySet().stream().filter(e -> e.getValue().equals(address.getHostAddress()))
                .map(Map.Entry::getKey).findFirst();
    }
}
