package io.jswarm.vxlan;

import java.net.Inet4Address;
import java.util.HexFormat;

/**
 * A 48-bit Ethernet address, held in the low 48 bits of a {@code long} so that equality and hashing are
 * by value (a record over {@code byte[]} would compare identities).
 */
public record MacAddress(long value) {
    private static final long MASK = 0xFFFF_FFFF_FFFFL;

    public MacAddress {
        if ((value & ~MASK) != 0) {
            throw new IllegalArgumentException("MAC address wider than 48 bits: 0x" + Long.toHexString(value));
        }
    }

    /** Compiled once: String.split compiles a character class on every call, and peers parse one MAC each. */
    private static final java.util.regex.Pattern SEPARATOR = java.util.regex.Pattern.compile("[:-]");

    /** Parses {@code aa:bb:cc:dd:ee:ff} (case-insensitive, {@code -} also accepted as separator). */
    public static MacAddress parse(String text) {
        String[] parts = SEPARATOR.split(text.trim());
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a MAC address: '" + text + "'");
        }
        long v = 0;
        for (String p : parts) {
            if (p.length() != 2 || !HexFormat.isHexDigit(p.charAt(0)) || !HexFormat.isHexDigit(p.charAt(1))) {
                throw new IllegalArgumentException("not a MAC address: '" + text + "'");
            }
            v = (v << 8) | HexFormat.fromHexDigits(p);
        }
        return new MacAddress(v);
    }

    /** From exactly six bytes, most significant first (as netlink carries it). */
    public static MacAddress of(byte[] bytes) {
        if (bytes.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, got " + bytes.length);
        }
        long v = 0;
        for (byte b : bytes) {
            v = (v << 8) | (b & 0xFF);
        }
        return new MacAddress(v);
    }

    /** Docker's convention: {@code 02:42} followed by the four IPv4 octets (10.0.1.5 → 02:42:0a:00:01:05). */
    public static MacAddress forIpv4(Inet4Address ip) {
        byte[] a = ip.getAddress();
        byte[] mac = {0x02, 0x42, a[0], a[1], a[2], a[3]};
        return of(mac);
    }

    public byte[] bytes() {
        byte[] b = new byte[6];
        for (int i = 5; i >= 0; i--) {
            b[i] = (byte) (value >>> (8 * (5 - i)));
        }
        return b;
    }

    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(bytes());
    }
}
