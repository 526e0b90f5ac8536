package io.jswarm.cli.cluster;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.proto.cluster.InitRequest;
import io.jswarm.proto.cluster.InitResponse;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "init", mixinStandardHelpOptions = true, description = "Initialize a swarm: this node becomes its manager")
final class InitCommand extends ClientCommand {
    @Option(names = "--advertise-addr", paramLabel = "ADDR", description = "Advertised address (format: <ip|interface>[:port])")
    String advertiseAddr = "";

    @Option(names = "--listen-addr", paramLabel = "ADDR", defaultValue = "0.0.0.0:2377",
            description = "Listen address (format: <ip>[:port]) (default ${DEFAULT-VALUE})")
    String listenAddr;

    @Option(names = "--data-path-addr", paramLabel = "ADDR", description = "Address or interface to use for data path traffic")
    String dataPathAddr = "";

    @Option(names = "--data-path-port", paramLabel = "PORT", defaultValue = "4789",
            description = "Port number to use for data path traffic (1024 - 49151) (default ${DEFAULT-VALUE})")
    int dataPathPort;

    @Option(names = "--default-addr-pool", paramLabel = "CIDR", split = ",",
            description = "Default address pool in CIDR format (default 10.0.0.0/8)")
    List<String> pools = new ArrayList<>();

    @Option(names = "--default-addr-pool-mask-length", paramLabel = "N", defaultValue = "24",
            description = "Default address pool subnet mask length (default ${DEFAULT-VALUE})")
    int maskLength;

    @Option(names = "--cert-expiry", paramLabel = "DURATION", defaultValue = "2160h0m0s",
            description = "Validity period for node certificates (ms|s|m|h) (default ${DEFAULT-VALUE})")
    String certExpiry;

    @Option(names = "--force-new-cluster", description = "Force create a new cluster from current state")
    boolean forceNewCluster;

    @Override
    int run(DaemonClient daemon, PrintWriter out) {
        pools.forEach(IpPrefix::parseSubnet); // refuse a bad pool before touching the daemon
        Duration expiry = GoDuration.parse(certExpiry);
        // init makes the CA, starts the manager (its Raft log, its API): 35 s measured on a loaded one-vCPU UML guest
        // where 30 s cut a successful init short (the daemon finished it; the user saw a deadline error).
        InitResponse r = daemon.call(DaemonClient.MANAGER_CALL_TIMEOUT, s -> s.init(InitRequest.newBuilder()
                .setAdvertiseAddr(advertiseAddr).setListenAddr(listenAddr).setDataPathAddr(dataPathAddr)
                .setDataPathPort(dataPathPort).addAllDefaultAddrPool(pools).setDefaultAddrPoolMaskLength(maskLength)
                .setCertExpirySeconds(expiry.toSeconds()).setForceNewCluster(forceNewCluster).build()));
        out.println("Swarm initialized: current node (" + r.getNodeId() + ") is now a manager.");
        out.println();
        out.println("To add a worker to this swarm, run the following command:");
        out.println();
        out.println("    jswarm join --token " + r.getWorkerToken() + " " + r.getManagerAddr());
        out.println();
        out.println("To add a manager to this swarm, run 'jswarm join-token manager' and follow the instructions.");
        out.println();
        return 0;
    }
}
