package io.jswarm.gossip.internal;

import io.jswarm.gossip.MembershipEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Membership meters. {@code jswarm.membership.suspicions} counts distinct (member, incarnation) SUSPECT records
 * this node sent or received in gossip ({@code source=swim}: scalecube exposes no suspect event, so they are
 * observed on the wire), plus fast-path checks started after a broken connection ({@code source=connection}).
 */
public final class MembershipMetrics {
    private static final int SEEN_CAPACITY = 512;

    private final MeterRegistry registry;
    private final AtomicInteger members = new AtomicInteger();
    private final Counter swimSuspicions;
    private final Counter connectionSuspicions;
    private final Map<String, Boolean> seen = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > SEEN_CAPACITY;
        }
    };

    public MembershipMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("jswarm.membership.members", members, AtomicInteger::get)
                .description("Other members currently admitted").register(registry);
        swimSuspicions = Counter.builder("jswarm.membership.suspicions").tag("source", "swim")
                .description("Members suspected (distinct member+incarnation)").register(registry);
        connectionSuspicions = Counter.builder("jswarm.membership.suspicions").tag("source", "connection")
                .description("Fast-path death checks started after a broken or refused connection").register(registry);
    }

    public void members(int n) {
        members.set(n);
    }

    /** Called from transport threads for every SUSPECT record encoded or decoded. */
    public void suspectSeen(String memberId, int incarnation) {
        boolean fresh;
        synchronized (seen) {
            fresh = seen.put(memberId + "/" + incarnation, Boolean.TRUE) == null;
        }
        if (fresh) {
            swimSuspicions.increment();
        }
    }

    public void connectionSuspicion() {
        connectionSuspicions.increment();
    }

    public void event(MembershipEvent e) {
        switch (e) {
            case MembershipEvent.Joined j -> counter("jswarm.membership.joins", "kind", "joined").increment();
            case MembershipEvent.Updated u -> counter("jswarm.membership.updates", "kind", "updated").increment();
            case MembershipEvent.Leaving l -> counter("jswarm.membership.leaves", "kind", "leaving").increment();
            case MembershipEvent.Removed r ->
                    counter("jswarm.membership.removals", "cause", r.cause().name().toLowerCase()).increment();
        }
    }

    public void deathCheck(DeathConfirmer.Outcome outcome) {
        counter("jswarm.membership.death.checks", "outcome", outcome.name().toLowerCase()).increment();
    }

    private Counter counter(String name, String tag, String value) {
        return Counter.builder(name).tag(tag, value).register(registry);
    }
}
