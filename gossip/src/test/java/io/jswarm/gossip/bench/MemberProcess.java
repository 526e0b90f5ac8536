package io.jswarm.gossip.bench;

import io.jswarm.encryption.NodeIdentity;
import io.jswarm.gossip.MembershipConfig;
import io.jswarm.gossip.MembershipEvent;
import io.jswarm.gossip.ScalecubeMembership;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * One member in its own JVM, for {@link FailoverBench}: {@code <identityDir> <ip> <port> <seedIp:seedPort>}.
 * Prints "READY" once started and "EVENT <type> <node> <cause>" per membership event; runs until killed.
 */
public final class MemberProcess {
    private MemberProcess() {}

    public static void main(String[] args) throws Exception {
        NodeIdentity id = NodeIdentity.load(Path.of(args[0]));
        var advertise = new InetSocketAddress(InetAddress.ofLiteral(args[1]), Integer.parseInt(args[2]));
        String[] seed = args[3].split(":");
        var config = MembershipConfig.lan(advertise)
                .withSeeds(List.of(new InetSocketAddress(InetAddress.ofLiteral(seed[0]), Integer.parseInt(seed[1]))));
        var m = new ScalecubeMembership(new io.jswarm.encryption.tls.IdentityKeyManager(id), InetAddress.ofLiteral("10.98.0.3"), config, x -> false,
                new SimpleMeterRegistry());
        m.addListener(e -> System.out.println("EVENT " + e.getClass().getSimpleName() + " " + e.member().nodeId()
                + (e instanceof MembershipEvent.Removed r ? " " + r.cause() : "")));
        m.start();
        System.out.println("READY");
        System.out.flush();
        Thread.currentThread().join();
    }
}
