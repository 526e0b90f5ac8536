package io.jswarm.manager.ipam;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * VXLAN network identifiers, handed out serially from {@link #FIRST}: the next free value after the
 * last one given, wrapping at {@link #LAST}. Serial so that a VNI freed by {@code network rm} is not
 * reused at once while nodes may still hold a vxlan device or FDB rows for it (reference §7 #2).
 * 4096 is left for the ingress network, as in Swarm, and 0–4095 to stay clear of 802.1Q VLAN ids.
 */
public final class VniAllocator {
    public static final int INGRESS = 4096;
    public static final int FIRST = 4097;
    public static final int LAST = (1 << 24) - 1;

    private final int first;
    private final int last;
    private final Set<Integer> used = new HashSet<>();
    /** The last VNI handed out; 0 before the first. */
    private int cursor;

    public VniAllocator() {
        this(FIRST, LAST);
    }

    /** A narrower range, so tests can reach exhaustion and wrap-around quickly. */
    VniAllocator(int first, int last) {
        if (first < FIRST || last > LAST || first > last) {
            throw new IllegalArgumentException("VNI range " + first + "-" + last + " outside " + FIRST + "-" + LAST);
        }
        this.first = first;
        this.last = last;
    }

    /** The VNI {@link #allocate} would take next; changes nothing. */
    public int peekNext() throws IpamException {
        long span = (long) last - first + 1;
        int candidate = cursor;
        for (long i = 0; i < span; i++) {
            candidate = candidate < first || candidate >= last ? first : candidate + 1;
            if (!used.contains(candidate)) {
                return candidate;
            }
        }
        throw new IpamException("no free VXLAN network identifier");
    }

    /** Takes the next serial VNI and moves the cursor to it. */
    public int allocate() throws IpamException {
        int vni = peekNext();
        used.add(vni);
        cursor = vni;
        return vni;
    }

    public void release(int vni) {
        if (!used.remove(vni)) {
            throw new IllegalStateException("VNI " + vni + " is not allocated");
        }
    }

    public boolean isUsed(int vni) {
        return used.contains(vni);
    }

    public int cursor() {
        return cursor;
    }

    /** Replaces the state with a snapshot's: the VNIs in use and the cursor. */
    public void restore(Collection<Integer> inUse, int newCursor) {
        if (newCursor != 0 && (newCursor < first || newCursor > last)) {
            throw new IllegalArgumentException("VNI cursor " + newCursor + " out of range");
        }
        for (int v : inUse) {
            if (v < first || v > last) {
                throw new IllegalArgumentException("VNI " + v + " out of range");
            }
        }
        used.clear();
        used.addAll(inUse);
        cursor = newCursor;
    }
}
