package io.jswarm.dns;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * One endpoint as the resolver sees it: its name, its aliases and its address on one network. The agent turns
 * its endpoint-table records into these, so this module needs nothing from the tables.
 */
public record DnsEndpoint(String name, List<String> aliases, InetAddress ip) {
    public DnsEndpoint {
        Objects.requireNonNull(name, "name");
        aliases = List.copyOf(Objects.requireNonNull(aliases, "aliases"));
        Objects.requireNonNull(ip, "ip");
    }
}
