package io.jswarm.encryption.ports;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Logs a flood as one line per window: the first event of a quiet period is logged at once (so an operator
 * sees the attack start), later ones are counted by reason and reported, with the busiest source, when the
 * window has passed (on the next event or {@link #flush}). Never a line per attempt. Thread-safe; the line is
 * built under the lock and written outside it.
 */
public final class SampledLog {
    private final Consumer<String> log;
    private final String what;
    private final long windowNanos;
    private final LongSupplier nanos;
    private final Map<String, Long> reasons = new TreeMap<>();
    private final Map<String, Long> sources = new java.util.HashMap<>();
    private long windowStart;
    private boolean open;
    private long total;

    /**
     * @param log   where a line goes (a WARN logger of the caller's: this module has no logging API)
     * @param what  the event, e.g. {@code "api connections refused port=2377"}
     * @param nanos a monotonic clock (System::nanoTime in production)
     */
    public SampledLog(Consumer<String> log, String what, Duration window, LongSupplier nanos) {
        this.log = Objects.requireNonNull(log, "log");
        this.what = Objects.requireNonNull(what, "what");
        this.windowNanos = window.toNanos();
        this.nanos = Objects.requireNonNull(nanos, "nanos");
        if (windowNanos <= 0) {
            throw new IllegalArgumentException("window must be positive");
        }
    }

    /** Counts one event; {@code source} is an address (never a secret). */
    public void record(String reason, Object source) {
        String first = null;
        String summary;
        synchronized (this) {
            long now = nanos.getAsLong();
            summary = open && now - windowStart >= windowNanos ? drain() : null;
            if (!open) {
                open = true;
                windowStart = now;
                first = what + " reason=" + reason + " source=" + source + " (counted per "
                        + Duration.ofNanos(windowNanos).toSeconds() + " s from here)";
            }
            reasons.merge(reason, 1L, Long::sum);
            sources.merge(String.valueOf(source), 1L, Long::sum);
            total++;
        }
        if (summary != null) {
            log.accept(summary);
        }
        if (first != null) {
            log.accept(first);
        }
    }

    /** Reports what was counted if the window has passed (a timer calls this so the last window is not lost). */
    public void flush() {
        String summary;
        synchronized (this) {
            summary = open && nanos.getAsLong() - windowStart >= windowNanos ? drain() : null;
        }
        if (summary != null) {
            log.accept(summary);
        }
    }

    /** Events counted since the last line, for tests. */
    public synchronized long pending() {
        return total;
    }

    private String drain() {
        open = false;
        if (total <= 1) { // only the event already logged on its own
            reasons.clear();
            sources.clear();
            total = 0;
            return null;
        }
        var top = sources.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
        String line = what + " count=" + total + " window_s=" + Duration.ofNanos(windowNanos).toSeconds()
                + " reasons=" + reasons + " sources=" + sources.size() + " top_source=" + top.getKey()
                + " top_count=" + top.getValue();
        reasons.clear();
        sources.clear();
        total = 0;
        return line;
    }
}
