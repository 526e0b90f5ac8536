package io.jswarm.encryption;

import java.util.Locale;

/** A node's role, carried in its certificate's OU so every peer can check it without asking the manager. */
public enum Role {
    WORKER,
    MANAGER;

    /** The lowercase name used in certificates, tokens and the CLI ("worker", "manager"). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role fromLabel(String label) {
        for (Role r : values()) {
            if (r.label().equals(label)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role '" + label + "' (worker or manager)");
    }
}
