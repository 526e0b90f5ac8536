package io.jswarm.manager.state;

/**
 * User text made safe to quote in an error or a log line: control characters escaped ({@code \n},
 * {@code \u001b}) and anything past {@link #MAX} characters cut, with the full length said. Used for
 * every string a caller sent that has not (yet) passed validation: a refusal must stay one short line, and
 * a worker must not be able to write its own lines into the manager's log.
 */
public final class SafeText {
    /** Enough to recognise a name; a DNS name is at most 253. */
    public static final int MAX = 80;

    private SafeText() {
    }

    public static String quote(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX) + 16).append('"');
        int n = Math.min(s.length(), MAX);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || Character.isSurrogate(c) || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
        if (s.length() > MAX) {
            b.append("... (").append(s.length()).append(" characters)");
        }
        return b.toString();
    }
}
