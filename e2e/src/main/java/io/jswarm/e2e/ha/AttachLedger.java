package io.jswarm.e2e.ha;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every attach and detach a run made, and every place an address was seen bound to a sandbox: the answer of a
 * successful attach, a sandbox namespace in some host's kernel, an endpoint in a node's {@code network inspect}.
 * An address is handed out at most once, ever, when no address is ever seen with two different sandbox names
 * (sandbox names are unique per run, and the network's subnet is large enough that the serial allocator never
 * wraps within a run). Thread-safe: the operation streams record concurrently; checks read a consistent copy.
 *
 * <p>Operations record their wall-clock interval ({@code System.nanoTime}) so a benchmark can tell how long
 * writes were unavailable after a kill ({@link #firstSuccessAfter}).
 */
public final class AttachLedger {
    /** One operation: {@code ip} is set for a successful attach; {@code error} for a failed one. */
    public record Op(Kind kind, int host, String name, String ip, String error, long startNanos, long endNanos) {
        public Op {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(name, "name");
            if ((error == null) == (kind == Kind.ATTACH_FAILED || kind == Kind.DETACH_FAILED)) {
                throw new IllegalArgumentException("a failed operation has an error, a successful one none: " + kind);
            }
            if (kind == Kind.ATTACHED && (ip == null || ip.isBlank())) {
                throw new IllegalArgumentException("a successful attach has an address");
            }
        }

        public boolean failed() {
            return error != null;
        }
    }

    public enum Kind { ATTACHED, ATTACH_FAILED, DETACHED, DETACH_FAILED }

    private final List<Op> ops = new ArrayList<>();
    /** Address → the first sandbox name it was seen with, and where. */
    private final Map<String, String> owner = new TreeMap<>();
    private final Map<String, String> firstSeenAt = new TreeMap<>();
    /** Address → every further name it was seen with: duplicates. */
    private final Map<String, TreeSet<String>> conflicts = new TreeMap<>();
    private final List<String> problems = new ArrayList<>();
    /** Sandboxes whose operation was in flight on a host whose daemon was SIGKILLed: either outcome is right. */
    private final java.util.Set<String> crashed = new java.util.HashSet<>();

    public synchronized void record(Op op) {
        ops.add(op);
        if (op.kind() == Kind.ATTACHED) {
            observe("answer of attach on h" + op.host(), op.name(), op.ip());
        }
    }

    /** One sighting of {@code ip} bound to sandbox {@code name}, e.g. in a host's kernel ({@code where}). */
    public synchronized void observe(String where, String name, String ip) {
        String first = owner.putIfAbsent(ip, name);
        if (first == null) {
            firstSeenAt.put(ip, where);
        } else if (!first.equals(name) && conflicts.computeIfAbsent(ip, k -> new TreeSet<>()).add(name)) {
            problems.add("address " + ip + " seen with " + name + " (" + where + ") and before with " + first + " ("
                    + firstSeenAt.get(ip) + ")");
        }
    }

    /** Addresses seen with more than one sandbox name. */
    public synchronized int duplicateAddresses() {
        return conflicts.size();
    }

    /** What the sightings found wrong, one line each (duplicates so far). */
    public synchronized List<String> duplicates() {
        return List.copyOf(problems);
    }

    public synchronized List<Op> ops() {
        return List.copyOf(ops);
    }

    /**
     * Sandboxes that must exist now: attached and not detached since, name → address. A sandbox whose detach
     * failed is in {@link #uncertain} instead: the failure may have come before or after the removal.
     */
    public synchronized Map<String, String> live() {
        Map<String, String> live = new LinkedHashMap<>();
        for (Op op : ops) {
            switch (op.kind()) {
                case ATTACHED -> live.put(op.name(), op.ip());
                case DETACHED, DETACH_FAILED -> live.remove(op.name());
                case ATTACH_FAILED -> { }
            }
        }
        return live;
    }

    /** Host of each live sandbox (for pings between hosts). */
    public synchronized Map<String, Integer> liveHosts() {
        Map<String, Integer> hosts = new LinkedHashMap<>();
        for (Op op : ops) {
            switch (op.kind()) {
                case ATTACHED -> hosts.put(op.name(), op.host());
                case DETACHED, DETACH_FAILED -> hosts.remove(op.name());
                case ATTACH_FAILED -> { }
            }
        }
        return hosts;
    }

    /**
     * Sandboxes whose last operation was a failed detach, or a failed operation in flight on host {@code host}
     * when its daemon was SIGKILLed at {@code atNanos}: a restarted daemon finishes or undoes what it had begun
     * ("the whole change or none"), so present or gone are both right for those.
     */
    public synchronized void crashed(int host, long atNanos) {
        ops.stream().filter(o -> o.failed() && o.host() == host && o.startNanos() <= atNanos && o.endNanos() >= atNanos)
                .forEach(o -> crashed.add(o.name()));
    }

    /** Sandboxes whose last operation was a failed detach, or cut by a crash ({@link #crashed}): either way is right. */
    public synchronized TreeSet<String> uncertain() {
        TreeSet<String> out = new TreeSet<>();
        for (Op op : ops) {
            if (op.kind() == Kind.DETACH_FAILED || op.failed() && crashed.contains(op.name())) {
                out.add(op.name());
            } else {
                out.remove(op.name());
            }
        }
        return out;
    }

    /** Names whose every attach failed (and nothing else happened to them): they must exist nowhere. */
    public synchronized TreeSet<String> neverAttached() {
        TreeSet<String> failed = new TreeSet<>();
        TreeSet<String> touched = new TreeSet<>();
        for (Op op : ops) {
            if (op.kind() == Kind.ATTACH_FAILED) {
                failed.add(op.name());
            } else {
                touched.add(op.name());
            }
        }
        failed.removeAll(touched);
        return failed;
    }

    /** Names successfully detached (and not attached again): they must exist nowhere either. */
    public synchronized TreeSet<String> detached() {
        TreeSet<String> out = new TreeSet<>();
        for (Op op : ops) {
            if (op.kind() == Kind.DETACHED) {
                out.add(op.name());
            } else if (op.kind() == Kind.ATTACHED || op.kind() == Kind.DETACH_FAILED) {
                out.remove(op.name());
            }
        }
        return out;
    }

    /**
     * Compares one complete picture ({@code seen}: sandbox name → addresses, from a kernel or a node's state) with
     * the ledger, after recording every sighting: every live sandbox present with exactly its answered address,
     * nothing failed or detached present. Returns the differences, one line each (empty: consistent). Names not
     * of this run ({@code ours} false) are ignored, e.g. the long-lived sandboxes of other steps.
     */
    public List<String> compare(String where, Map<String, List<String>> seen, java.util.function.Predicate<String> ours) {
        Map<String, String> live;
        TreeSet<String> uncertain;
        TreeSet<String> failed;
        TreeSet<String> detached;
        synchronized (this) {
            seen.forEach((name, ips) -> ips.forEach(ip -> observe(where, name, ip)));
            live = live();
            uncertain = uncertain();
            failed = neverAttached();
            detached = detached();
        }
        List<String> diff = new ArrayList<>();
        for (var e : live.entrySet()) {
            List<String> ips = seen.get(e.getKey());
            if (ips == null) {
                diff.add(where + ": " + e.getKey() + " (attached, " + e.getValue() + ") missing");
            } else if (!ips.equals(List.of(e.getValue()))) {
                diff.add(where + ": " + e.getKey() + " has " + ips + ", the attach answered " + e.getValue());
            }
        }
        for (String name : seen.keySet()) {
            if (ours.test(name) && !live.containsKey(name) && !uncertain.contains(name)) {
                diff.add(where + ": " + name + " present, but " + (failed.contains(name) ? "its attach failed"
                        : detached.contains(name) ? "it was detached" : "it was never attached"));
            }
        }
        return diff;
    }

    /**
     * The end of the first successful attach that started at or after {@code fromNanos}, or -1: how long after
     * a kill writes were possible again.
     */
    public synchronized long firstSuccessAfter(long fromNanos) {
        return ops.stream().filter(o -> o.kind() == Kind.ATTACHED && o.startNanos() >= fromNanos)
                .mapToLong(Op::endNanos).min().orElse(-1);
    }

    /** Counts per kind, and each distinct error with how often it came: the record of what failed and how. */
    public synchronized String summary() {
        Map<Kind, Integer> n = new TreeMap<>();
        Map<String, Integer> errors = new TreeMap<>();
        for (Op op : ops) {
            n.merge(op.kind(), 1, Integer::sum);
            if (op.failed()) {
                errors.merge(op.kind() + ": " + op.error(), 1, Integer::sum);
            }
        }
        StringBuilder b = new StringBuilder(n.toString());
        errors.forEach((e, c) -> b.append("\n  ").append(c).append(" x ").append(e));
        return b.toString();
    }

    public synchronized long count(Kind kind) {
        return ops.stream().filter(o -> o.kind() == kind).count();
    }
}
