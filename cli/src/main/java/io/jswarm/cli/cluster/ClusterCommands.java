package io.jswarm.cli.cluster;

import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;

/** Registers the cluster commands (daemon, init, join, join-token, leave, node, network, info) on the top-level command. */
public final class ClusterCommands {
    private ClusterCommands() {
    }

    public static CommandLine register(CommandLine top) {
        // Global -H, as in Docker; inherited so it works before or after the subcommand name.
        if (top.getCommandSpec().findOption("--host") == null) {
            top.getCommandSpec().addOption(OptionSpec.builder("-H", "--host").paramLabel("HOST").type(String.class)
                    .scopeType(ScopeType.INHERIT)
                    .description("Daemon socket to connect to (default " + DaemonHost.DEFAULT + ", or $" + DaemonHost.ENV + ")")
                    .build());
        }
        return top.addSubcommand(new DaemonCommand())
                .addSubcommand(new InitCommand())
                .addSubcommand(new JoinCommand())
                .addSubcommand(new JoinTokenCommand())
                .addSubcommand(new LeaveCommand())
                .addSubcommand(new NodeCommand())
                .addSubcommand(new NetworkCommand())
                .addSubcommand(new InfoCommand());
    }
}
