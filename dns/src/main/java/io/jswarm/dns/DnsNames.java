package io.jswarm.dns;

import java.util.Locale;

/** Name rules shared by lookups and answers. */
final class DnsNames {
    /** 255 octets on the wire: the text form without the trailing dot is at most 253 characters. */
    static final int MAX_LENGTH = 253;
    static final int MAX_LABEL = 63;

    private DnsNames() {
    }

    /** Names match case-insensitively, with or without the trailing dot. */
    static String normalise(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    /**
     * Whether {@code name} (without trailing dot) can be sent as a host name in an answer: labels of 1..63
     * letters, digits, '-' or '_', not starting with '-', 253 characters at most. glibc's resolver refuses
     * anything else in a PTR answer ({@code res_hnok}), and Netty's encoder would write a longer label as a
     * corrupt length byte, so such names are never put into answers.
     */
    static boolean isHostName(String name) {
        if (name.isEmpty() || name.length() > MAX_LENGTH) {
            return false;
        }
        int label = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.') {
                if (label == 0) {
                    return false;
                }
                label = 0;
                continue;
            }
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || (c == '-' && label > 0);
            if (!ok || ++label > MAX_LABEL) {
                return false;
            }
        }
        return label > 0;
    }
}
