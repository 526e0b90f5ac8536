package io.jswarm.cli.cluster;

import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.NetworkDetail;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.PruneNetworksRequest;
import io.jswarm.proto.cluster.PruneNetworksResponse;
import io.jswarm.proto.cluster.RemoveNetworkRequest;
import io.jswarm.proto.state.CreateNetwork;
import io.jswarm.proto.state.Network;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "network", mixinStandardHelpOptions = true, description = "Manage networks",
        subcommands = {NetworkCommand.Create.class, NetworkCommand.Ls.class, NetworkCommand.Inspect.class,
                NetworkCommand.Rm.class, NetworkCommand.Prune.class, NetworkEndpointCommands.Attach.class,
                NetworkEndpointCommands.Connect.class, NetworkEndpointCommands.Disconnect.class,
                NetworkEndpointCommands.Detach.class, NetworkCommand.RotateKeys.class})
final class NetworkCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a network")
    static final class Create extends ClientCommand {
        @Option(names = {"-d", "--driver"}, paramLabel = "DRIVER", description = "Driver to manage the Network (overlay)")
        String driver = "overlay";

        @Option(names = "--attachable", description = "Enable manual container attachment")
        boolean attachable;

        @Option(names = "--internal", description = "Restrict external access to the network")
        boolean internal;

        @Option(names = "--subnet", paramLabel = "CIDR", description = "Subnet in CIDR format")
        String subnet;

        @Option(names = "--gateway", paramLabel = "IP", description = "IPv4 Gateway for the master subnet")
        String gateway;

        @Option(names = "--ip-range", paramLabel = "CIDR", description = "Allocate container ip from a sub-range")
        String ipRange;

        @Option(names = {"-o", "--opt"}, paramLabel = "KEY=VALUE", description = "Set driver specific options (mtu=N, encrypted)")
        List<String> opts = new ArrayList<>();

        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Set metadata on a network")
        List<String> labels = new ArrayList<>();

        @Parameters(index = "0", paramLabel = "NETWORK")
        String name;

        @Override
        int run(DaemonClient daemon, PrintWriter out) {
            CreateNetworkRequest req = request(name, driver, attachable, internal, subnet, gateway, ipRange, opts, labels);
            out.println(daemon.callViaManager(s -> s.networkCreate(req)).getNetwork().getNetworkId());
            return 0;
        }
    }

    /** The request {@code network create} sends; refuses what jswarm cannot do before calling the daemon. */
    static CreateNetworkRequest request(String name, String driver, boolean attachable, boolean internal, String subnet,
                                        String gateway, String ipRange, List<String> opts, List<String> labels) {
        CreateNetwork.Builder spec = CreateNetwork.newBuilder().setName(name).setAttachable(attachable).setInternal(internal);
        if (subnet != null) {
            spec.setSubnet(subnet);
        }
        if (gateway != null) {
            spec.setGateway(gateway);
        }
        if (ipRange != null) {
            spec.setIpRange(ipRange);
        }
        for (String o : opts) {
            int eq = o.indexOf('=');
            String key = eq < 0 ? o : o.substring(0, eq);
            String value = eq < 0 ? "" : o.substring(eq + 1);
            switch (key) {
                case "mtu", NetworkFormat.MTU_OPTION -> {
                    try {
                        spec.setMtu(Integer.parseUnsignedInt(value));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("invalid mtu \"" + value + "\": not a number");
                    }
                }
                case NetworkFormat.ENCRYPTED_OPTION -> {
                    if (!value.isEmpty() && !value.equals("true")) {
                        throw new IllegalArgumentException("invalid value \"" + value
                                + "\" for option encrypted (use -o encrypted)");
                    }
                    spec.setEncrypted(true);
                }
                case NetworkFormat.VXLAN_OPTION -> throw new IllegalArgumentException(
                        "option " + key + " is not supported: the manager allocates VNIs");
                default -> throw new IllegalArgumentException("unsupported driver option \"" + key + "\" (supported: mtu, encrypted)");
            }
        }
        for (String l : labels) {
            int eq = l.indexOf('=');
            spec.putLabels(eq < 0 ? l : l.substring(0, eq), eq < 0 ? "" : l.substring(eq + 1));
        }
        return CreateNetworkRequest.newBuilder().setSpec(spec).setDriver(driver).build();
    }

    @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List networks")
    static final class Ls extends ClientCommand {
        @Option(names = {"-q", "--quiet"}, description = "Only display network IDs")
        boolean quiet;

        @Option(names = "--no-trunc", description = "Do not truncate the output")
        boolean noTrunc;

        @Option(names = {"-f", "--filter"}, paramLabel = "FILTER", description = "Provide filter values (e.g. \"name=web\")")
        List<String> filters = new ArrayList<>();

        @Option(names = "--format", paramLabel = "FORMAT", description = "Format output: table (default) or json")
        String format = "table";

        @Override
        int run(DaemonClient daemon, PrintWriter out) {
            var keep = NetworkFormat.filter(filters);
            if (!format.equals("table") && !format.equals("json")) {
                throw new IllegalArgumentException("unsupported format " + format + " (table or json)");
            }
            List<Network> nets = NetworkFormat.sorted(daemon.callViaManager(s -> s.networkList(ListNetworksRequest.getDefaultInstance()))
                    .getNetworksList().stream().map(NetworkDetail::getNetwork).filter(keep).toList());
            if (quiet) {
                nets.forEach(n -> out.println(noTrunc ? n.getNetworkId() : NetworkFormat.shortId(n.getNetworkId())));
            } else if (format.equals("json")) {
                out.print(NetworkFormat.jsonLines(nets, noTrunc));
            } else {
                out.print(NetworkFormat.table(nets, noTrunc));
            }
            return 0;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Display detailed information on one or more networks")
    static final class Inspect extends ClientCommand {
        @Parameters(arity = "1..*", paramLabel = "NETWORK")
        List<String> networks;

        @Override
        int run(DaemonClient daemon, PrintWriter out) {
            List<Map<String, Object>> found = new ArrayList<>();
            for (String ref : networks) {
                found.add(NetworkFormat.inspect(daemon.call(s -> s.networkInspect(
                        NetworkInspectRequest.newBuilder().setNetwork(ref).build()))));
            }
            out.println(Json.pretty(found, 4));
            return 0;
        }
    }

    @Command(name = "rm", aliases = "remove", mixinStandardHelpOptions = true, description = "Remove one or more networks")
    static final class Rm extends ClientCommand {
        @Parameters(arity = "1..*", paramLabel = "NETWORK")
        List<String> networks;

        @Override
        int run(DaemonClient daemon, PrintWriter out) {
            int rc = 0;
            for (String ref : networks) {
                try {
                    daemon.callViaManager(s -> s.networkRemove(RemoveNetworkRequest.newBuilder().setNetwork(ref).build()));
                    out.println(ref);
                } catch (DaemonClient.Failure e) {
                    // As Docker: report this one, carry on with the rest, fail at the end.
                    out.flush();
                    spec.commandLine().getErr().println(e.getMessage());
                    rc = 1;
                }
            }
            return rc;
        }
    }

    @Command(name = "rotate-keys", mixinStandardHelpOptions = true,
            description = "Rotate the encrypted networks' data-plane keys now (managers only; make-before-break)")
    static final class RotateKeys extends ClientCommand {
        @Override
        int run(DaemonClient daemon, PrintWriter out) {
            var r = daemon.callViaManager(s -> s.networkRotateKeys(io.jswarm.proto.cluster.RotateDataKeysRequest.getDefaultInstance()));
            out.println("key generation " + r.getGeneration() + " is being installed; nodes switch to it once every node has it");
            return 0;
        }
    }

    @Command(name = "prune", mixinStandardHelpOptions = true, description = "Remove all unused networks")
    static final class Prune extends ClientCommand {
        static final String WARNING = "WARNING! This will remove all custom networks not used by at least one container.";

        @Option(names = {"-f", "--force"}, description = "Do not prompt for confirmation")
        boolean force;

        @Override
        int run(DaemonClient daemon, PrintWriter out) {
            if (!force) {
                out.print(WARNING + "\nAre you sure you want to continue? [y/N] ");
                out.flush();
                if (!confirmed(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)))) {
                    return 0;
                }
            }
            out.print(pruned(daemon.callViaManager(s -> s.networkPrune(PruneNetworksRequest.getDefaultInstance()))));
            return 0;
        }
    }

    /** Docker's answer check: only "y" or "yes" (any case) goes ahead; end of input is a no. */
    static boolean confirmed(BufferedReader in) {
        try {
            String line = in.readLine();
            return line != null && List.of("y", "yes").contains(line.trim().toLowerCase(java.util.Locale.ROOT));
        } catch (IOException e) {
            return false;
        }
    }

    /** What {@code network prune} prints: nothing when nothing was removed. */
    static String pruned(PruneNetworksResponse r) {
        if (r.getNamesCount() == 0) {
            return "";
        }
        return "Deleted Networks:\n" + String.join("\n", r.getNamesList()) + "\n";
    }
}
