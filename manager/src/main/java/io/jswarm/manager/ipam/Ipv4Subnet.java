package io.jswarm.manager.ipam;

import io.jswarm.manager.net.Cidr;
import java.nio.ByteBuffer;

/**
 * An IPv4 prefix with its addresses as unsigned values in a {@code long}, so that range arithmetic
 * (first, last, offsets) needs no sign tricks. IPv6 can follow as a sibling type over {@code BigInteger};
 * the allocators only need contains/overlaps/first/last.
 */
public record Ipv4Subnet(long network, int prefix) {
    private static final long MAX = 0xFFFF_FFFFL;

    public Ipv4Subnet {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("invalid prefix length " + prefix);
        }
        if (network < 0 || network > MAX || (network & hostMask(prefix)) != 0) {
            throw new IllegalArgumentException("invalid subnet " + format(network & MAX) + "/" + prefix + ": host bits set");
        }
    }

    /** Parses {@code a.b.c.d/len}; host bits must be zero. Reuses {@link Cidr}'s checks and wording. */
    public static Ipv4Subnet parse(String text) {
        Cidr c = Cidr.parse(text);
        return new Ipv4Subnet(Integer.toUnsignedLong(ByteBuffer.wrap(c.network().getAddress()).getInt()), c.length());
    }

    /** Parses a dotted-quad address strictly (four decimal octets, no host names). */
    public static long parseAddress(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("invalid IPv4 address " + text);
        }
        long v = 0;
        for (String p : parts) {
            if (!p.matches("[0-9]{1,3}") || Integer.parseInt(p) > 255) {
                throw new IllegalArgumentException("invalid IPv4 address " + text);
            }
            v = (v << 8) | Integer.parseInt(p);
        }
        return v;
    }

    public static String format(long address) {
        return ((address >> 24) & 255) + "." + ((address >> 16) & 255) + "." + ((address >> 8) & 255) + "." + (address & 255);
    }

    private static long hostMask(int prefix) {
        return prefix == 32 ? 0 : MAX >>> prefix;
    }

    public long size() {
        return 1L << (32 - prefix);
    }

    /** The network address. */
    public long first() {
        return network;
    }

    /** The broadcast address. */
    public long last() {
        return network + size() - 1;
    }

    public boolean contains(long address) {
        return address >= first() && address <= last();
    }

    public boolean contains(Ipv4Subnet other) {
        return other.first() >= first() && other.last() <= last();
    }

    /** Prefixes either nest or are disjoint, so overlap is containment one way or the other. */
    public boolean overlaps(Ipv4Subnet other) {
        return contains(other) || other.contains(this);
    }

    @Override
    public String toString() {
        return format(network) + "/" + prefix;
    }
}
