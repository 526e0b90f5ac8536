package io.jswarm.gossip.host;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The JDK's resolver, except that the machine's own host name always resolves: to loopback when nothing else
 * knows it (as glibc's {@code nss-myhostname} does). Installed JVM-wide through
 * {@code META-INF/services/java.net.spi.InetAddressResolverProvider}.
 *
 * <p>Why: scalecube's membership calls {@link InetAddress#getLocalHost()} while it is built (to drop its own
 * address from the seeds) and fails the whole start with {@code UnknownHostException <hostname>} on a host
 * whose name is in neither {@code /etc/hosts} nor DNS (a freshly installed guest or VM). The daemon never
 * needs that answer: it gossips on its advertise address, and seeds are compared by address. Every other
 * name, and the own name when the system resolves it, gets exactly the built-in answer.
 */
public final class OwnNameResolver implements InetAddressResolver {
    private final InetAddressResolver builtin;
    private final Supplier<String> ownName;

    /** {@code ownName} is asked per failed lookup (a host may be renamed while the daemon runs). */
    public OwnNameResolver(InetAddressResolver builtin, Supplier<String> ownName) {
        this.builtin = Objects.requireNonNull(builtin);
        this.ownName = Objects.requireNonNull(ownName);
    }

    @Override
    public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
        try {
            // Materialised here: the fallback must see a failure the built-in stream would report late.
            return builtin.lookupByName(host, policy).toList().stream();
        } catch (UnknownHostException e) {
            if (host != null && host.equalsIgnoreCase(ownName.get())) {
                return loopback(policy);
            }
            throw e;
        }
    }

    @Override
    public String lookupByAddress(byte[] addr) throws UnknownHostException {
        return builtin.lookupByAddress(addr);
    }

    private static Stream<InetAddress> loopback(LookupPolicy policy) {
        int c = policy.characteristics();
        InetAddress v4 = InetAddress.ofLiteral("127.0.0.1");
        InetAddress v6 = InetAddress.ofLiteral("::1");
        boolean want4 = (c & LookupPolicy.IPV4) != 0;
        boolean want6 = (c & LookupPolicy.IPV6) != 0;
        if (want4 && want6) {
            return (c & LookupPolicy.IPV6_FIRST) != 0 ? Stream.of(v6, v4) : Stream.of(v4, v6);
        }
        return want6 ? Stream.of(v6) : Stream.of(v4);
    }

    /** The service the JDK loads; the own name comes from the JDK itself (the kernel's host name). */
    public static final class Provider extends InetAddressResolverProvider {
        @Override
        public InetAddressResolver get(Configuration configuration) {
            return new OwnNameResolver(configuration.builtinResolver(), configuration::lookupLocalHostName);
        }

        @Override
        public String name() {
            return "jswarm-own-name";
        }
    }
}
