package io.jswarm.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * The names one sandbox may resolve locally: those of all endpoints (on any host) on the sandbox's own
 * networks, and nothing else, so names on other networks do not resolve. One {@link EmbeddedDnsServer} serves
 * one sandbox, so the lookup is already scoped to it. Called on the server's event loop: implementations must
 * be fast and non-blocking (e.g. read an immutable map the agent swaps on every view change).
 */
public interface NameLookup {

    /**
     * IPv4 addresses of an endpoint name or alias; empty if the name is not on the sandbox's networks.
     *
     * @param name lower case, without trailing dot
     */
    List<Inet4Address> addresses(String name);

    /** The endpoint name of an address on the sandbox's networks (for PTR), without trailing dot. */
    Optional<String> name(InetAddress address);

    /**
     * Whether the address belongs to an endpoint of the sandbox's networks, even one whose name cannot be
     * answered: such a reverse lookup gets NXDOMAIN here rather than going to the host's resolvers.
     */
    default boolean isLocal(InetAddress address) {
        return name(address).isPresent();
    }

    /**
     * Whether names (and reverse lookups) this lookup does not know may be forwarded to the host's resolvers.
     * False for a sandbox whose networks are all {@code --internal}: as in Docker, an internal network has no
     * external DNS, so a query that would leave it (an exfiltration path: the name itself carries the data)
     * is answered REFUSED by the embedded server and never sent upstream.
     */
    default boolean forwards() {
        return true;
    }
}
