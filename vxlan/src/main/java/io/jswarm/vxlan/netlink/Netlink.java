package io.jswarm.vxlan.netlink;

/**
 * Whether rtnetlink through java.lang.foreign works in this JVM, checked once: linking the libc handles
 * and the first downcall cost a few hundred milliseconds, so call {@link #isAvailable()} at start-up.
 */
public final class Netlink {
    private static final Throwable UNAVAILABILITY_CAUSE = probe();

    private Netlink() {
    }

    private static Throwable probe() {
        try {
            Libc.getpid();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    public static boolean isAvailable() {
        return UNAVAILABILITY_CAUSE == null;
    }

    /** Why it is unavailable (no native access, not Linux, ...), or {@code null}. */
    public static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    /** Throws if unavailable. */
    public static void ensureAvailability() {
        if (UNAVAILABILITY_CAUSE != null) {
            throw new UnsupportedOperationException("rtnetlink through java.lang.foreign is unavailable: "
                    + UNAVAILABILITY_CAUSE, UNAVAILABILITY_CAUSE);
        }
    }
}
