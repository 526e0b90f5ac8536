package io.jswarm.gossip.internal;

import io.jswarm.gossip.internal.RecordClaims.Forgery;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts membership claims dropped because their sender cannot speak for them ({@code
 * jswarm.gossip.claims.dropped}, tag {@code kind}) and logs them sampled: the first of each kind, then at most one
 * line per kind per {@code every}, with how many were dropped meanwhile, so a flood of forgeries cannot flood the
 * log. Kinds honest members also produce (relays) go to DEBUG, the others, forgeries, to WARN. Confined to the
 * gossip transport's event-loop thread (the counters themselves are thread-safe).
 */
public final class ForgeryLog {
    private static final Logger LOG = LoggerFactory.getLogger(ForgeryLog.class);

    private final Map<Forgery, Counter> counters = new EnumMap<>(Forgery.class);
    private final Map<Forgery, long[]> sampling = new EnumMap<>(Forgery.class); // {last log nanos, suppressed}
    private final long everyNanos;
    private final LongSupplier nanos;

    public ForgeryLog(MeterRegistry registry, Duration every, LongSupplier nanos) {
        for (Forgery f : Forgery.values()) {
            counters.put(f, Counter.builder("jswarm.gossip.claims.dropped").tag("kind", f.tag)
                    .description("Membership claims dropped: the sender may not speak for them").register(registry));
        }
        this.everyNanos = every.toNanos();
        this.nanos = nanos;
    }

    void dropped(String peer, Forgery forgery, String about) {
        counters.get(forgery).increment();
        long now = nanos.getAsLong();
        long[] s = sampling.get(forgery);
        if (s == null || now - s[0] >= everyNanos) {
            long suppressed = s == null ? 0 : s[1];
            sampling.put(forgery, new long[] {now, 0});
            String line = "membership claim dropped kind={} peer={} about={} (a member speaks only for itself; "
                    + "{} more of this kind since the last line)";
            if (forgery.relay) {
                LOG.debug(line, forgery.tag, peer, printable(about), suppressed);
            } else {
                LOG.warn(line, forgery.tag, peer, printable(about), suppressed);
            }
        } else {
            s[1]++;
        }
    }

    /** A member id from the wire is the forger's text: short and printable before it reaches a log line. */
    static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return cut.codePoints().map(c -> c < 0x20 || c > 0x7e ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }
}
