package io.jswarm.agent.net;

import io.jswarm.dns.NameLookup;
import io.jswarm.dns.SandboxDns;
import io.jswarm.vxlan.Netns;
import java.io.IOException;

/**
 * The seam between the {@link NetworkAgent} and the resolver inside sandboxes: {@link SandboxDns} on a host,
 * a recording fake in unit tests (which must not write /etc/netns or bind sockets in namespaces).
 */
public interface SandboxResolver extends AutoCloseable {
    /** Serves {@code lookup} at 127.0.0.11 inside the sandbox; idempotent per key. */
    void serve(String sandboxKey, Netns sandbox, NameLookup lookup) throws IOException;

    void stop(String sandboxKey);

    /** {@code /etc/netns/NAME/resolv.conf} for a named sandbox, so {@code ip netns exec NAME} uses it. */
    void writeResolvConf(String namespaceName) throws IOException;

    void removeResolvConf(String namespaceName);

    @Override
    void close();

    /** The real one. */
    static SandboxResolver of(SandboxDns dns) {
        return new SandboxResolver() {
            @Override
            public void serve(String sandboxKey, Netns sandbox, NameLookup lookup) throws IOException {
                dns.serve(sandboxKey, sandbox, lookup);
            }

            @Override
            public void stop(String sandboxKey) {
                dns.stop(sandboxKey);
            }

            @Override
            public void writeResolvConf(String namespaceName) throws IOException {
                dns.writeResolvConf(namespaceName);
            }

            @Override
            public void removeResolvConf(String namespaceName) {
                dns.removeResolvConf(namespaceName);
            }

            @Override
            public void close() {
                dns.close();
            }
        };
    }
}
