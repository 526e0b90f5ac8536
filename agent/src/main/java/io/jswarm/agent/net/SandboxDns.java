package io.jswarm.agent.net;

import io.jswarm.gossip.dns.DnsConfig;
import io.jswarm.gossip.dns.NameLookup;
import io.jswarm.vxlan.Netns;
import java.io.IOException;

/** STUB replaced at merge. */
public final class SandboxDns implements AutoCloseable {
    public SandboxDns(DnsConfig config) {
    }

    public static DnsConfig hostDefaults() {
        return DnsConfig.withUpstreams(java.util.List.of());
    }

    public void serve(String sandboxKey, Netns sandbox, NameLookup lookup) throws IOException {
    }

    public void stop(String sandboxKey) {
    }

    public static void writeResolvConf(String namespaceName) throws IOException {
    }

    public static void removeResolvConf(String namespaceName) {
    }

    @Override
    public void close() {
    }
}
