package io.jswarm.gossip;

import static org.junit.jupiter.api.Assertions.fail;

import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Identifiers;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.Role;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/** Real members on loopback addresses (127.0.0.x) with TLS, for integration tests. */
final class TestCluster implements AutoCloseable {
    final CertificateAuthority ca =
            CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
    final Set<String> revoked = ConcurrentHashMap.newKeySet();
    final List<Node> nodes = new CopyOnWriteArrayList<>();

    /** One started member and what it observed. */
    record Node(NodeIdentity identity, ScalecubeMembership membership, SimpleMeterRegistry registry,
                List<MembershipEvent> events) {
        String id() {
            return identity.nodeId();
        }

        InetSocketAddress address() {
            return membership.self().gossipAddress();
        }

        boolean sees(Node other) {
            return membership.members().containsKey(other.id());
        }

        <T extends MembershipEvent> List<T> eventsOf(Class<T> type, String nodeId) {
            return events.stream().filter(type::isInstance).map(type::cast)
                    .filter(e -> e.member().nodeId().equals(nodeId)).toList();
        }

        double counter(String name) {
            return registry.find(name).counters().stream().mapToDouble(c -> c.count()).sum();
        }
    }

    NodeIdentity newIdentity() {
        return ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
    }

    static MembershipConfig config(InetSocketAddress advertise, List<InetSocketAddress> seeds) {
        return MembershipConfig.lan(advertise).withSeeds(seeds).withSync(Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    Node start(NodeIdentity id, String ip, int port, List<Node> seeds) {
        List<InetSocketAddress> seedAddresses = new ArrayList<>();
        seeds.forEach(s -> seedAddresses.add(s.address()));
        return start(id, config(new InetSocketAddress(InetAddress.ofLiteral(ip), port), seedAddresses));
    }

    Node start(NodeIdentity id, MembershipConfig config) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        var m = new ScalecubeMembership(new io.jswarm.encryption.tls.IdentityKeyManager(id), InetAddress.ofLiteral("10.99.0." + (nodes.size() + 1)), config,
                revoked::contains, registry);
        List<MembershipEvent> events = new CopyOnWriteArrayList<>();
        m.addListener(events::add);
        m.start();
        Node n = new Node(id, m, registry, events);
        nodes.add(n);
        return n;
    }

    /** Three members on 127.0.0.1-3, each seeded with the first; returns once all see all. */
    List<Node> startThree() {
        Node a = start(newIdentity(), "127.0.0.1", 0, List.of());
        Node b = start(newIdentity(), "127.0.0.2", 0, List.of(a));
        Node c = start(newIdentity(), "127.0.0.3", 0, List.of(a));
        List<Node> all = List.of(a, b, c);
        await(Duration.ofSeconds(20), () -> all.stream().allMatch(x -> x.membership().members().size() == 2),
                "all three see each other");
        return all;
    }

    static void await(Duration timeout, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout + " waiting for: " + what);
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    @Override
    public void close() {
        nodes.forEach(n -> n.membership.crash());
    }
}
