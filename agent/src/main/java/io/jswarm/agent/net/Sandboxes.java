package io.jswarm.agent.net;

import io.grpc.Status;
import io.jswarm.proto.cluster.LocalEndpoint;
import io.jswarm.proto.cluster.LocalSandbox;
import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.cluster.NetworkConnectRequest;
import io.jswarm.proto.cluster.PendingRelease;
import io.jswarm.vxlan.Netns;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which sandbox an operator command means, checked before anything is made: a name for {@code attach} (a new
 * namespace), a name or a namespace path for {@code connect}. On the {@link AgentLoop}; namespace files are
 * looked up through the {@link io.jswarm.vxlan.Dataplane}, so logic tests never see the machine's.
 */
final class Sandboxes {
    private Sandboxes() {
    }

    /** The sandbox an attach or connect targets. */
    /** {@code ifName}: the interface name asked for; empty: the lowest free ethN. */
    record Target(String network, String key, Netns.AtPath ns, boolean created, String dnsName, String ifName) {
    }

    static Target forAttach(AgentCore core, NetworkAttachRequest req) {
        String name = req.getName();
        Netns.AtPath ns = named(name);
        if (core.local.sandbox(name).isPresent()) {
            throw Status.ALREADY_EXISTS.withDescription("sandbox " + name + " already exists; use \"jswarm network "
                    + "connect\" to add it to another network").asRuntimeException();
        }
        if (core.dataplane.namespaceExists(ns)) {
            throw Status.ALREADY_EXISTS.withDescription("a network namespace named " + name + " already exists; use "
                    + "\"jswarm network connect NET " + name + "\" to connect it").asRuntimeException();
        }
        return new Target(req.getNetwork(), name, ns, true, name, "");
    }

    static Target forConnect(AgentCore core, NetworkConnectRequest req) {
        String ref = req.getSandbox();
        Optional<LocalSandbox> known = core.local.sandbox(ref);
        if (known.isPresent()) {
            LocalSandbox sb = known.get();
            String dnsName = req.getName().isEmpty() ? LocalState.dnsName(sb) : req.getName();
            return new Target(req.getNetwork(), ref, (Netns.AtPath) LocalState.netns(sb), sb.getCreated(), dnsName,
                    req.getIfName());
        }
        Netns.AtPath ns;
        String dnsName = req.getName();
        if (ref.startsWith("/")) {
            ns = (Netns.AtPath) Netns.at(Path.of(ref));
            if (dnsName.isEmpty()) {
                throw EndpointChanges.invalid("--name is required when the sandbox is a namespace path");
            }
        } else {
            ns = named(ref);
            dnsName = dnsName.isEmpty() ? ref : dnsName;
        }
        if (core.dataplane.isHostNamespace(ns)) {
            // Checked before anything is made; by nsfs identity, so /proc/1/ns/net and bind mounts count too.
            throw EndpointChanges.invalid("cannot connect " + ref + ": it is the host's network namespace (the "
                    + "daemon's own or the machine's initial one); an overlay interface and default route there would change the host's "
                    + "networking");
        }
        if (!core.dataplane.namespaceExists(ns)) {
            throw Status.NOT_FOUND.withDescription("No such sandbox: " + ref + " (no network namespace at "
                    + ns.path() + ")").asRuntimeException();
        }
        return new Target(req.getNetwork(), ref, ns, false, dnsName, req.getIfName());
    }

    static LocalSandbox known(AgentCore core, String key) {
        return core.local.sandbox(key).orElseThrow(() -> Status.NOT_FOUND
                .withDescription("No such sandbox: " + key).asRuntimeException());
    }

    /** {@code leave}: every sandbox and network goes; returns the releases the manager should make. */
    static List<PendingRelease> teardown(AgentCore core) {
        List<PendingRelease> out = new ArrayList<>(core.local.releases());
        for (LocalSandbox sb : core.local.sandboxes()) {
            for (LocalEndpoint le : sb.getEndpointsList()) {
                core.local.network(le.getNetworkId()).ifPresent(n -> core.kernel.undo(n, sb, le, true));
                out.add(PendingRelease.newBuilder().setNetworkId(le.getNetworkId()).setEndpointId(le.getEndpointId())
                        .build());
            }
            core.dns.stop(sb.getKey());
            if (sb.getCreated()) {
                core.dns.removeResolvConf(sb.getKey());
            }
        }
        core.local.clear();
        core.saveQuietly("sandbox state");
        core.encryption.off(); // leave: a withdrawal, so the SAs and policies go too
        return out;
    }

    private static Netns.AtPath named(String name) {
        try {
            return (Netns.AtPath) Netns.named(name);
        } catch (IllegalArgumentException e) {
            throw EndpointChanges.invalid("invalid sandbox name \"" + name + "\": 1-64 characters of [A-Za-z0-9_.-], "
                    + "not starting with a dot");
        }
    }
}
