package io.jswarm.cli.cluster;

import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.cluster.NetworkAttachResponse;
import io.jswarm.proto.cluster.NetworkConnectRequest;
import io.jswarm.proto.cluster.NetworkDetachRequest;
import io.jswarm.proto.cluster.NetworkDisconnectRequest;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code network} subcommands that put sandboxes on networks on this host (the daemon's NetworkAgent). */
final class NetworkEndpointCommands {
    private NetworkEndpointCommands() {
    }

    /** The one line attach prints: sandbox, interface, address, MAC. */
    static String summary(NetworkAttachResponse r) {
        return String.join(" ", r.getSandbox(), r.getIfName(), r.getIpv4(), r.getMac()).strip();
    }

    @Command(name = "attach", mixinStandardHelpOptions = true,
            description = "Create a sandbox (network namespace) NAME with an interface on NETWORK")
    static final class Attach extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NETWORK")
        String network;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "Sandbox name (also its DNS name)")
        String name;

        @Option(names = "--ip", paramLabel = "IP", description = "IPv4 address (e.g., 10.0.1.10)")
        String ip;

        @Option(names = "--alias", paramLabel = "ALIAS", description = "Add network-scoped alias for the sandbox")
        List<String> aliases = new ArrayList<>();

        @Override
        int run(DaemonClient daemon, PrintWriter out) {
            var req = NetworkAttachRequest.newBuilder().setNetwork(network).setName(name)
                    .setIp(ip == null ? "" : ip).addAllAliases(aliases).build();
            out.println(summary(daemon.callViaManager(s -> s.networkAttach(req))));
            return 0;
        }
    }

    @Command(name = "connect", mixinStandardHelpOptions = true,
            description = "Connect a sandbox (named namespace or /proc/PID/ns/net path) to a network")
    static final class Connect extends ClientCommand {
        @Option(names = "--ip", paramLabel = "IP", description = "IPv4 address (e.g., 10.0.1.10)")
        String ip;

        @Option(names = "--alias", paramLabel = "ALIAS", description = "Add network-scoped alias for the sandbox")
        List<String> aliases = new ArrayList<>();

        @Option(names = "--name", paramLabel = "NAME", description = "DNS name (default: the sandbox's name)")
        String name;

        @Parameters(index = "0", paramLabel = "NETWORK")
        String network;

        @Parameters(index = "1", paramLabel = "SANDBOX")
        String sandbox;

        @Override
        int run(DaemonClient daemon, PrintWriter out) {
            var req = NetworkConnectRequest.newBuilder().setNetwork(network).setSandbox(sandbox)
                    .setIp(ip == null ? "" : ip).addAllAliases(aliases).setName(name == null ? "" : name).build();
            daemon.callViaManager(s -> s.networkConnect(req)); // Docker prints nothing on success
            return 0;
        }
    }

    @Command(name = "disconnect", mixinStandardHelpOptions = true, description = "Disconnect a sandbox from a network")
    static final class Disconnect extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NETWORK")
        String network;

        @Parameters(index = "1", paramLabel = "SANDBOX")
        String sandbox;

        @Override
        int run(DaemonClient daemon, PrintWriter out) {
            daemon.callViaManager(s -> s.networkDisconnect(NetworkDisconnectRequest.newBuilder().setNetwork(network)
                    .setSandbox(sandbox).build()));
            return 0;
        }
    }

    @Command(name = "detach", mixinStandardHelpOptions = true,
            description = "Disconnect a sandbox from every network; remove it if attach created it")
    static final class Detach extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String sandbox;

        @Override
        int run(DaemonClient daemon, PrintWriter out) {
            daemon.callViaManager(s -> s.networkDetach(NetworkDetachRequest.newBuilder().setSandbox(sandbox).build()));
            return 0;
        }
    }
}
