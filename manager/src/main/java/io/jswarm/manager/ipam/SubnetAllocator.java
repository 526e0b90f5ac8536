package io.jswarm.manager.ipam;

import io.jswarm.vxlan.IpPrefix;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Carves network subnets out of the cluster's default address pools ({@code init
 * --default-addr-pool}, 10.0.0.0/8 as /24s unless configured), and checks explicit subnets for overlap.
 *
 * <p>Stateless: the subnets in use are the existing networks' subnets, passed in, so there is no second
 * copy of them to drift. Carving is first-fit in pool order: the lowest free block. Subnets need no
 * serial order as addresses and VNIs do, because a new network's VNI differs from the removed one's, so
 * stale peer state of the old network can never be confused with the new one.
 */
public record SubnetAllocator(List<IpPrefix> pools, int maskLength) {
    /** /30 is the smallest subnet with a usable address besides the gateway. */
    public static final int MAX_MASK_LENGTH = 30;

    public SubnetAllocator {
        pools = List.copyOf(pools);
        if (maskLength < 1 || maskLength > MAX_MASK_LENGTH) {
            throw new IllegalArgumentException("invalid default address pool mask length " + maskLength
                    + " (must be 1-" + MAX_MASK_LENGTH + ")");
        }
        for (IpPrefix p : pools) {
            if (p.length() > maskLength) {
                throw new IllegalArgumentException("default address pool " + p + " is smaller than the mask length /" + maskLength);
            }
        }
    }

    /** From the {@code InitCluster} pool strings; an empty list means Swarm's default, 10.0.0.0/8 as /24s. */
    public static SubnetAllocator of(List<String> cidrs, int maskLength) {
        List<IpPrefix> pools = cidrs.isEmpty() ? List.of(IpPrefix.parseSubnet("10.0.0.0/8"))
                : cidrs.stream().map(IpPrefix::parseSubnet).toList();
        return new SubnetAllocator(pools, maskLength == 0 ? 24 : maskLength);
    }

    /** The lowest block of {@link #maskLength} in the pools that overlaps none of {@code taken}. */
    public IpPrefix next(Collection<IpPrefix> taken) throws IpamException {
        long block = 1L << (32 - maskLength);
        for (IpPrefix pool : pools) {
            long candidate = pool.first();
            while (candidate + block - 1 <= pool.last()) {
                IpPrefix s = IpPrefix.ipv4(candidate, maskLength);
                Optional<IpPrefix> clash = overlapping(s, taken);
                if (clash.isEmpty()) {
                    return s;
                }
                // Jump past the clashing subnet, rounded up to the next block boundary: each existing
                // network is skipped in one step, so this is O(networks²), not O(blocks).
                long after = Math.max(candidate + block, clash.get().last() + 1);
                candidate = (after + block - 1) / block * block;
            }
        }
        throw new IpamException("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
    }

    /** The first of {@code taken} that overlaps {@code subnet}, if any. */
    public static Optional<IpPrefix> overlapping(IpPrefix subnet, Collection<IpPrefix> taken) {
        return taken.stream().filter(subnet::overlaps).findFirst();
    }
}
