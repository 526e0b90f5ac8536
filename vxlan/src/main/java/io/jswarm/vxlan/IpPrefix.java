package io.jswarm.vxlan;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An address with a prefix length, IPv4 or IPv6. Used both for interface addresses, where host bits are set
 * ({@code 10.0.1.1/24} on br0), and for subnets and routes ({@code 10.0.1.0/24}); {@link #network()} gives
 * the latter from the former.
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
