package io.jswarm.vxlan;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An address with a prefix length, IPv4 or IPv6: jswarm's one CIDR type. Used both for interface addresses,
 * where host bits are set ({@code 10.0.1.1/24} on br0), and for subnets, pools and routes
 * ({@code 10.0.1.0/24}); {@link #network()} gives the latter from the former, {@link #parseSubnet} and
 * {@link #ipv4(long, int)} accept only the latter. The manager's IPAM does range arithmetic on IPv4 addresses
 * as unsigned values in a {@code long} ({@link #first()}, {@link #last()}, {@link #parseIpv4}), so it needs no
 * sign tricks; those methods refuse IPv6 prefixes until IPAM does IPv6.
 */
public record IpPrefix(InetAddress address, int length) {

    public IpPrefix {
        if (address == null) {
            throw new IllegalArgumentException("prefix address is required");
        }
        int max = bits(address);
        if (length < 0 || length > max) {
            throw new IllegalArgumentException("prefix length must be within 0.." + max + ", got " + length);
        }
    }

    /** Parses {@code a.b.c.d/len} or an IPv6 literal with {@code /len}; a bare address gets the full length. */
    public static IpPrefix parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        InetAddress ip = parseAddress(addr);
        int len;
        if (slash < 0) {
            len = bits(ip);
        } else {
            try {
                len = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in '" + text + "'");
            }
        }
        return new IpPrefix(ip, len);
    }

    /**
     * Parses a numeric IPv4 or IPv6 literal without ever consulting DNS ({@link InetAddress#getByName}
     * would resolve a host name, which here is always a mistake).
     */
    public static InetAddress parseAddress(String text) {
        String t = text.trim();
        boolean v4 = t.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = t.contains(":") && t.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) {
            throw new IllegalArgumentException("not an IP address: '" + text + "'");
        }
        if (v4) {
            for (String octet : t.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    throw new IllegalArgumentException("not an IP address: '" + text + "'");
                }
            }
        }
        try {
            return InetAddress.getByName(t);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: '" + text + "'", e);
        }
    }

    public static IpPrefix of(InetAddress address, int length) {
        return new IpPrefix(address, length);
    }

    public boolean isIpv4() {
        return address.getAddress().length == 4;
    }

    /** The prefix with all host bits cleared. */
    public IpPrefix network() {
        byte[] a = address.getAddress();
        for (int i = 0; i < a.length; i++) {
            int keep = Math.clamp(length - 8L * i, 0, 8);
            a[i] &= (byte) (0xFF << (8 - keep));
        }
        return new IpPrefix(toAddress(a), length);
    }

    /** Whether {@code ip} lies inside this prefix (same family, same network bits). */
    public boolean contains(InetAddress ip) {
        return ip.getAddress().length == address.getAddress().length
                && new IpPrefix(ip, length).network().equals(network());
    }

    /** The address {@code offset} positions after this prefix's network address (offset 1 = first usable). */
    public InetAddress addressAt(long offset) {
        byte[] net = network().address().getAddress();
        BigInteger value = new BigInteger(1, net).add(BigInteger.valueOf(offset));
        byte[] raw = value.toByteArray();
        byte[] out = new byte[net.length];
        int copy = Math.min(raw.length, out.length);
        System.arraycopy(raw, raw.length - copy, out, out.length - copy, copy);
        InetAddress result = toAddress(out);
        if (!contains(result)) {
            throw new IllegalArgumentException("offset " + offset + " is outside " + this);
        }
        return result;
    }

    /** Whether the host bits are all zero ({@code 10.0.1.0/24}, not {@code 10.0.1.1/24}). */
    public boolean isNetwork() {
        return network().equals(this);
    }

    /** Whether {@code other} lies entirely inside this prefix (same family; a prefix contains itself). */
    public boolean contains(IpPrefix other) {
        return other.length >= length && contains(other.address);
    }

    /** Prefixes either nest or are disjoint, so overlap is containment one way or the other. */
    public boolean overlaps(IpPrefix other) {
        return contains(other) || other.contains(this);
    }

    /** The last address of the prefix (IPv4: the broadcast address). */
    public InetAddress broadcast() {
        byte[] a = address.getAddress();
        for (int i = 0; i < a.length; i++) {
            int keep = Math.clamp(length - 8L * i, 0, 8);
            a[i] |= (byte) (0xFF >>> keep);
        }
        return toAddress(a);
    }

    /** The first address after the network address ({@code 10.0.1.1} of {@code 10.0.1.0/24}). */
    public InetAddress firstUsable() {
        return addressAt(1);
    }

    // ---- IPv4 as unsigned longs, for the manager's IPAM ----

    private static final long IPV4_MAX = 0xFFFF_FFFFL;

    /**
     * Parses a subnet as given to {@code --subnet}, {@code --ip-range} or {@code --default-addr-pool}:
     * {@code a.b.c.d/len}, the host bits zero. The message names the text and the reason.
     */
    public static IpPrefix parseSubnet(String text) {
        int slash = text.indexOf('/');
        if (slash < 0 || !text.substring(0, slash).matches("[0-9.]+")) {
            throw new IllegalArgumentException("invalid CIDR " + text + " (expected a.b.c.d/len)");
        }
        long network;
        int len;
        try {
            network = parseIpv4(text.substring(0, slash));
            len = Integer.parseInt(text.substring(slash + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid CIDR " + text);
        }
        if (len < 0 || len > 32) {
            throw new IllegalArgumentException("invalid CIDR " + text);
        }
        if ((network & hostMask(len)) != 0) {
            throw new IllegalArgumentException("invalid CIDR " + text + ": host bits set");
        }
        return ipv4(network, len);
    }

    /** The IPv4 subnet at {@code network} (an unsigned address; host bits must be zero). */
    public static IpPrefix ipv4(long network, int length) {
        if (length < 0 || length > 32) {
            throw new IllegalArgumentException("invalid prefix length " + length);
        }
        if (network < 0 || network > IPV4_MAX || (network & hostMask(length)) != 0) {
            throw new IllegalArgumentException("invalid subnet " + formatIpv4(network & IPV4_MAX) + "/" + length
                    + ": host bits set");
        }
        return new IpPrefix(toAddress(new byte[] {(byte) (network >>> 24), (byte) (network >>> 16),
                (byte) (network >>> 8), (byte) network}), length);
    }

    /** Parses a dotted-quad address strictly (four decimal octets, no host names) into an unsigned value. */
    public static long parseIpv4(String text) {
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

    /** {@code a.b.c.d} of an unsigned IPv4 value. */
    public static String formatIpv4(long address) {
        return ((address >> 24) & 255) + "." + ((address >> 16) & 255) + "." + ((address >> 8) & 255) + "." + (address & 255);
    }

    /** How many addresses the IPv4 prefix spans. */
    public long size() {
        requireIpv4();
        return 1L << (32 - length);
    }

    /** The network address of the IPv4 prefix, unsigned. */
    public long first() {
        requireIpv4();
        return Integer.toUnsignedLong(java.nio.ByteBuffer.wrap(network().address.getAddress()).getInt());
    }

    /** The broadcast address of the IPv4 prefix, unsigned. */
    public long last() {
        return first() + size() - 1;
    }

    /** Whether the unsigned IPv4 {@code address} lies inside this IPv4 prefix. */
    public boolean contains(long address) {
        return address >= first() && address <= last();
    }

    private void requireIpv4() {
        if (!isIpv4()) {
            throw new IllegalStateException(this + " is not IPv4");
        }
    }

    private static long hostMask(int length) {
        return length == 32 ? 0 : IPV4_MAX >>> length;
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + length;
    }

    private static int bits(InetAddress a) {
        return a.getAddress().length * 8;
    }

    private static InetAddress toAddress(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes always make an address", e);
        }
    }
}
