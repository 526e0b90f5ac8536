package io.jswarm.gossip.table;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Shared test values. */
final class Fixtures {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Duration REAP = Duration.ofMinutes(30);

    private Fixtures() {
    }

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s); // literals only: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static EndpointRecord record(String name, String owner, int host) {
        return new EndpointRecord(name, List.of(name + "-alias"), ip("10.0.1." + host),
                String.format("02:42:0a:00:01:%02x", host), ip("192.168.0." + (Math.abs(owner.hashCode()) % 250 + 1)), owner);
    }

    static TableEvent.Upserted up(String id, long lamport, String owner, String name) {
        return new TableEvent.Upserted(id, new Version(lamport, owner), record(name, owner, 5));
    }

    static TableEvent.Deleted del(String id, long lamport, String owner) {
        return new TableEvent.Deleted(id, new Version(lamport, owner), REAP);
    }

    static EndpointTable table(String node) {
        return new EndpointTable("net1", node, REAP, 16);
    }
}
