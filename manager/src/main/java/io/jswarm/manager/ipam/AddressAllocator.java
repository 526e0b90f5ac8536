package io.jswarm.manager.ipam;

import io.jswarm.vxlan.IpPrefix;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * The addresses of one network. Allocation is serial (round-robin): the next free address after the
 * last one handed out, wrapping at the end of the range, so an address freed by a detach is not handed
 * to the next task while other nodes may still hold ARP/FDB rows for it (reference §7 #1, #3).
 *
 * <p>Never handed out: the network address, the broadcast address, the gateway. With an
 * {@code --ip-range}, only addresses inside it are handed out, serially or on request.
 * A requested address does not move the cursor: it says nothing about where serial order stands.
 */
public final class AddressAllocator {
    private final IpPrefix subnet;
    private final IpPrefix range;
    private final long gateway;
    /** The lowest and highest address that may ever be handed out. */
    private final long low;
    private final long high;
    private final Set<Long> used = new HashSet<>();
    /** The last address handed out serially; -1 before the first. */
    private long cursor = -1;

    /**
     * @param range the {@code --ip-range}, or the subnet itself
     * @throws IllegalArgumentException if the parts do not fit together (callers validate first)
     */
    public AddressAllocator(IpPrefix subnet, IpPrefix range, long gateway) {
        if (subnet.length() > SubnetAllocator.MAX_MASK_LENGTH) {
            throw new IllegalArgumentException("subnet " + subnet + " is too small (at most /" + SubnetAllocator.MAX_MASK_LENGTH + ")");
        }
        if (!subnet.contains(range)) {
            throw new IllegalArgumentException("ip-range " + range + " is not within subnet " + subnet);
        }
        if (gateway <= subnet.first() || gateway >= subnet.last()) {
            throw new IllegalArgumentException("gateway " + IpPrefix.formatIpv4(gateway) + " is not a usable address of subnet " + subnet);
        }
        this.subnet = subnet;
        this.range = range;
        this.gateway = gateway;
        this.low = Math.max(range.first(), subnet.first() + 1);
        this.high = Math.min(range.last(), subnet.last() - 1);
    }

    /** How many addresses can be handed out at most (the range, less the gateway if inside it). */
    public long capacity() {
        long n = Math.max(0, high - low + 1);
        return gateway >= low && gateway <= high ? n - 1 : n;
    }

    /** The first usable address of {@code subnet}: Swarm's default gateway. */
    public static long defaultGateway(IpPrefix subnet) {
        return subnet.first() + 1;
    }

    public IpPrefix subnet() {
        return subnet;
    }

    public IpPrefix range() {
        return range;
    }

    public long gateway() {
        return gateway;
    }

    private boolean reserved(long address) {
        return address == gateway || address == subnet.first() || address == subnet.last();
    }

    /** The address {@link #allocateNext} would take; changes nothing. */
    public long peekNext() throws IpamException {
        return peekAfter(cursor, Set.of());
    }

    /**
     * The address serial allocation would take with the cursor at {@code from} (-1: before the first) and
     * {@code alsoTaken} used too; changes nothing. How several addresses are planned at once (a lease).
     */
    public long peekAfter(long from, Set<Long> alsoTaken) throws IpamException {
        long candidate = from;
        for (long i = low; i <= high; i++) {
            candidate = candidate < low || candidate >= high ? low : candidate + 1;
            if (!reserved(candidate) && !used.contains(candidate) && !alsoTaken.contains(candidate)) {
                return candidate;
            }
        }
        throw new IpamException("no available IPv4 addresses on this network's address pools: " + range + " is exhausted");
    }

    /** Takes the next address in serial order and moves the cursor to it. */
    public long allocateNext() throws IpamException {
        long a = peekNext();
        used.add(a);
        cursor = a;
        return a;
    }

    /** Why {@code address} cannot be given on request; changes nothing. */
    public void checkRequested(long address) throws IpamException {
        String a = IpPrefix.formatIpv4(address);
        if (!subnet.contains(address)) {
            throw new IpamException("requested address " + a + " is out of range: not in subnet " + subnet);
        }
        if (!range.contains(address)) {
            throw new IpamException("requested address " + a + " is out of range: not in ip-range " + range);
        }
        if (address == subnet.first() || address == subnet.last()) {
            throw new IpamException("requested address " + a + " is the network or broadcast address of " + subnet);
        }
        if (address == gateway || used.contains(address)) {
            throw new IpamException("address " + a + " already in use");
        }
    }

    /** Takes {@code address} on request; the cursor stays. */
    public void allocate(long address) throws IpamException {
        checkRequested(address);
        used.add(address);
    }

    public void release(long address) {
        if (!used.remove(address)) {
            throw new IllegalStateException("address " + IpPrefix.formatIpv4(address) + " is not allocated");
        }
    }

    public boolean isUsed(long address) {
        return used.contains(address);
    }

    public int usedCount() {
        return used.size();
    }

    /** The last address handed out serially, or -1. */
    public long cursor() {
        return cursor;
    }

    /** Replaces the state with a snapshot's: the addresses in use and the serial cursor. */
    public void restore(Collection<Long> inUse, long newCursor) {
        if (newCursor != -1 && !subnet.contains(newCursor)) {
            throw new IllegalArgumentException("address cursor " + IpPrefix.formatIpv4(newCursor) + " outside " + subnet);
        }
        used.clear();
        for (long a : inUse) {
            if (!subnet.contains(a) || reserved(a) || !used.add(a)) {
                throw new IllegalArgumentException("invalid or duplicate allocation " + IpPrefix.formatIpv4(a) + " in " + subnet);
            }
        }
        cursor = newCursor;
    }
}
