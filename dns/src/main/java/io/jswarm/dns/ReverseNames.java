package io.jswarm.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/** Parses PTR query names ({@code in-addr.arpa} and {@code ip6.arpa}) back into addresses. */
final class ReverseNames {

    private static final String V4 = ".in-addr.arpa";
    private static final String V6 = ".ip6.arpa";

    private ReverseNames() {
    }

    /** @param name lower case, without trailing dot */
    static Optional<InetAddress> parse(String name) {
        if (name.endsWith(V4)) {
            String[] labels = name.substring(0, name.length() - V4.length()).split("\\.", -1);
            if (labels.length != 4) {
                return Optional.empty(); // a partial zone such as 1.10.in-addr.arpa names no host
            }
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                String l = labels[3 - i];
                if (l.isEmpty() || l.length() > 3 || !l.chars().allMatch(Character::isDigit)) {
                    return Optional.empty();
                }
                int v = Integer.parseInt(l);
                if (v > 255) {
                    return Optional.empty();
                }
                b[i] = (byte) v;
            }
            return address(b);
        }
        if (name.endsWith(V6)) {
            String[] labels = name.substring(0, name.length() - V6.length()).split("\\.", -1);
            if (labels.length != 32) {
                return Optional.empty();
            }
            byte[] b = new byte[16];
            for (int i = 0; i < 32; i++) {
                String l = labels[31 - i];
                int nibble = l.length() == 1 ? Character.digit(l.charAt(0), 16) : -1;
                if (nibble < 0) {
                    return Optional.empty();
                }
                b[i / 2] |= (byte) (i % 2 == 0 ? nibble << 4 : nibble);
            }
            return address(b);
        }
        return Optional.empty();
    }

    private static Optional<InetAddress> address(byte[] b) {
        try {
            return Optional.of(InetAddress.getByAddress(b)); // raw bytes: never a lookup
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
