package io.jswarm.cli.cluster;

import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;

/** Registers the cluster commands (daemon, init, join, join-token, leave, node, network, info) on the top-level command. */
public final class ClusterCommands {
    private ClusterCommands() {
    }

    /** Every cluster command, by name, in the order of the help text. */
    private static final java.util.Map<String, java.util.function.Supplier<Object>> COMMANDS;

    static {
        java.util.Map<String, java.util.function.Supplier<Object>> m = new java.util.LinkedHashMap<>();
        m.put("daemon", DaemonCommand::new);
        m.put("init", InitCommand::new);
        m.put("join", JoinCommand::new);
        m.put("join-token", JoinTokenCommand::new);
        m.put("leave", LeaveCommand::new);
        m.put("node", NodeCommand::new);
        m.put("network", NetworkCommand::new);
        m.put("info", InfoCommand::new);
        COMMANDS = java.util.Collections.unmodifiableMap(m);
    }

    public static CommandLine register(CommandLine top) {
        addHostOption(top);
        COMMANDS.forEach((name, command) -> top.addSubcommand(name, command.get()));
        return top;
    }

    /**
     * Only the command named {@code only} (and {@code -H}): the daemon runs one known line for the thin client,
     * and building picocli's model of every command costs ~15 ms a line there. Unknown names add nothing.
     */
    public static CommandLine register(CommandLine top, String only) {
        addHostOption(top);
        java.util.function.Supplier<Object> command = COMMANDS.get(only);
        if (command != null) {
            top.addSubcommand(only, command.get());
        }
        return top;
    }

    // Global -H, as in Docker; inherited so it works before or after the subcommand name.
    private static void addHostOption(CommandLine top) {
        if (top.getCommandSpec().findOption("--host") == null) {
            top.getCommandSpec().addOption(OptionSpec.builder("-H", "--host").paramLabel("HOST").type(String.class)
                    .scopeType(ScopeType.INHERIT)
                    .description("Daemon socket to connect to (default " + DaemonHost.DEFAULT + ", or $" + DaemonHost.ENV + ")")
                    .build());
        }
    }
}
