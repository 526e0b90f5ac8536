package io.jswarm.cli.cluster;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations written as Docker's flags take them (Go syntax): {@code 2160h}, {@code 90m}, {@code 1h30m}, {@code 45s}. */
public final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+)(h|ms|m|s)");

    private GoDuration() {
    }

    public static Duration parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty duration");
        }
        Matcher m = PART.matcher(text);
        Duration d = Duration.ZERO;
        int at = 0;
        while (m.find() && m.start() == at) {
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
            });
            at = m.end();
        }
        if (at != text.length()) {
            throw new IllegalArgumentException("invalid duration " + text + " (e.g. 2160h, 90m, 1h30m)");
        }
        return d;
    }

    public static String format(Duration d) {
        long h = d.toHours();
        long m = d.toMinutesPart();
        long s = d.toSecondsPart();
        return h + "h" + m + "m" + s + "s";
    }
}
