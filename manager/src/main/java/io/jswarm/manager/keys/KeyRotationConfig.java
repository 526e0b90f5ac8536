package io.jswarm.manager.keys;

import java.time.Duration;
import java.util.Objects;

/**
 * When the manager rotates the data-plane keys (issue 11).
 *
 * @param interval        a new generation this long after the current primary was made (default 12 h, as
 *                        Swarm)
 * @param promoteDeadline a new generation is promoted once every ready node reported it installed, or after
 *                        this long for nodes that never answer (default 30 s)
 * @param retireGrace     a former primary is still received this long after the promotion, then removed
 *                        everywhere (default 30 s: packets in flight and nodes slow to switch arrive)
 * @param volumeSpacing   soft-limit requests from nodes ({@code RequestKeyRotation}) start at most one
 *                        rotation per this period (default 1 min), so a hostile node cannot rotate endlessly
 * @param tick            how often the driver looks at deadlines (default 1 s)
 */
public record KeyRotationConfig(Duration interval, Duration promoteDeadline, Duration retireGrace,
                                Duration volumeSpacing, Duration tick) {
    public static final KeyRotationConfig DEFAULTS = new KeyRotationConfig(Duration.ofHours(12), Duration.ofSeconds(30),
            Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofSeconds(1));

    public KeyRotationConfig {
        for (Duration d : new Duration[] {interval, promoteDeadline, retireGrace, volumeSpacing, tick}) {
            Objects.requireNonNull(d, "duration");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("key rotation durations must be positive: " + d);
            }
        }
        if (interval.compareTo(promoteDeadline.plus(retireGrace)) <= 0) {
            throw new IllegalArgumentException("the rotation interval " + interval
                    + " must exceed the promote deadline plus the retire grace");
        }
    }
}
