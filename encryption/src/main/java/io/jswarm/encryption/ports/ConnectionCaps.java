package io.jswarm.encryption.ports;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How many connections a port holds, in total and per source address, in two classes: <em>unverified</em>
 * (accepted, TLS handshake not done, or done without a client certificate: what an outsider can open) and
 * <em>verified</em> (a cluster member's certificate was presented). Every accepted connection starts
 * unverified; an outsider from one address can therefore hold at most {@code maxUnverifiedPerSource} slots,
 * and all outsiders together {@code maxUnverified}, whatever they do, while members' connections count
 * against their own caps. Thread-safe: accepts and closes come from different event loops; one lock, held
 * only for counter updates.
 */
public final class ConnectionCaps {
    /**
     * @param maxUnverified          unverified connections in total
     * @param maxUnverifiedPerSource unverified connections from one source address
     * @param maxVerified            verified (member) connections in total
     * @param maxVerifiedPerSource   verified connections from one source address
     */
    public record Limits(int maxUnverified, int maxUnverifiedPerSource, int maxVerified, int maxVerifiedPerSource) {
        public Limits {
            positive(maxUnverified, "maxUnverified");
            positive(maxUnverifiedPerSource, "maxUnverifiedPerSource");
            positive(maxVerified, "maxVerified");
            positive(maxVerifiedPerSource, "maxVerifiedPerSource");
            if (maxUnverifiedPerSource > maxUnverified || maxVerifiedPerSource > maxVerified) {
                throw new IllegalArgumentException("a per-source cap cannot exceed its total: " + this);
            }
        }

        private static void positive(int v, String name) {
            if (v < 1 || v > 1_000_000) {
                throw new IllegalArgumentException(name + " must be in 1..1000000, got " + v);
            }
        }
    }

    /** Why a connection was refused; the label goes into logs and meters. */
    public enum Refusal {
        UNVERIFIED_TOTAL("unverified-total"), UNVERIFIED_PER_SOURCE("unverified-per-source"),
        VERIFIED_TOTAL("verified-total"), VERIFIED_PER_SOURCE("verified-per-source");

        private final String label;

        Refusal(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private static final class Counts {
        int unverified;
        int verified;
    }

    private final Limits limits;
    private final Map<InetAddress, Counts> bySource = new HashMap<>();
    private int unverified;
    private int verified;

    public ConnectionCaps(Limits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    public Limits limits() {
        return limits;
    }

    /** One admitted connection's slot; {@link #verify} moves it to the verified class, {@link #close} frees it. */
    public final class Ticket implements AutoCloseable {
        private final InetAddress source;
        private boolean isVerified;
        private boolean closed;

        private Ticket(InetAddress source) {
            this.source = source;
        }

        public InetAddress source() {
            return source;
        }

        /** Moves this connection to the verified class; refused (and left unverified) if that class is full. */
        public Optional<Refusal> verify() {
            synchronized (ConnectionCaps.this) {
                if (closed || isVerified) {
                    return Optional.empty();
                }
                Counts c = bySource.get(source);
                if (verified >= limits.maxVerified()) {
                    return Optional.of(Refusal.VERIFIED_TOTAL);
                }
                if (c.verified >= limits.maxVerifiedPerSource()) {
                    return Optional.of(Refusal.VERIFIED_PER_SOURCE);
                }
                isVerified = true;
                c.unverified--;
                unverified--;
                c.verified++;
                verified++;
                return Optional.empty();
            }
        }

        public boolean isVerified() {
            synchronized (ConnectionCaps.this) {
                return isVerified;
            }
        }

        /** Frees the slot; idempotent. */
        @Override
        public void close() {
            synchronized (ConnectionCaps.this) {
                if (closed) {
                    return;
                }
                closed = true;
                Counts c = bySource.get(source);
                if (isVerified) {
                    c.verified--;
                    verified--;
                } else {
                    c.unverified--;
                    unverified--;
                }
                if (c.unverified == 0 && c.verified == 0) {
                    bySource.remove(source);
                }
            }
        }
    }

    /** The outcome of {@link #admit}: exactly one of the two is present. */
    public record Admission(Optional<Ticket> ticket, Optional<Refusal> refusal) {
        public Admission {
            if (ticket.isPresent() == refusal.isPresent()) {
                throw new IllegalArgumentException("an admission is either a ticket or a refusal");
            }
        }
    }

    /** Admits a new connection from {@code source} as unverified, or says which cap refuses it. */
    public synchronized Admission admit(InetAddress source) {
        Objects.requireNonNull(source, "source");
        Counts c = bySource.get(source);
        if (unverified >= limits.maxUnverified()) {
            return new Admission(Optional.empty(), Optional.of(Refusal.UNVERIFIED_TOTAL));
        }
        if (c != null && c.unverified >= limits.maxUnverifiedPerSource()) {
            return new Admission(Optional.empty(), Optional.of(Refusal.UNVERIFIED_PER_SOURCE));
        }
        if (c == null) {
            c = new Counts();
            bySource.put(source, c);
        }
        c.unverified++;
        unverified++;
        return new Admission(Optional.of(new Ticket(source)), Optional.empty());
    }

    public synchronized int unverified() {
        return unverified;
    }

    public synchronized int verified() {
        return verified;
    }
}
