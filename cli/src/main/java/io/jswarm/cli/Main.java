package io.jswarm.cli;

import io.jswarm.cli.cluster.ClusterCommands;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the jswarm command. */
@Command(name = "jswarm", mixinStandardHelpOptions = true, description = "Swarm-style overlay network controller")
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    public static void main(String[] args) {
        System.exit(ClusterCommands.register(new CommandLine(new Main())).execute(args));
    }
}
