package io.jswarm.cli.cluster;

import java.util.List;
import java.util.Map;

/** Minimal JSON output for {@code --format json} and {@code inspect} (maps keep their insertion order). */
public final class Json {
    private Json() {
    }

    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, -1, 0);
        return sb.toString();
    }

    /** Indented by {@code indent} spaces per level, as {@code docker inspect} prints. */
    public static String pretty(Object value, int indent) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, indent, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int indent, int level) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> string(sb, s);
            case Boolean b -> sb.append(b);
            case Number n -> sb.append(n);
            case Map<?, ?> m -> {
                sb.append('{');
                int i = 0;
                for (var e : m.entrySet()) {
                    sb.append(i++ > 0 ? "," : "");
                    newline(sb, indent, level + 1);
                    string(sb, String.valueOf(e.getKey()));
                    sb.append(indent >= 0 ? ": " : ":");
                    write(sb, e.getValue(), indent, level + 1);
                }
                if (!m.isEmpty()) {
                    newline(sb, indent, level);
                }
                sb.append('}');
            }
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    sb.append(i > 0 ? "," : "");
                    newline(sb, indent, level + 1);
                    write(sb, l.get(i), indent, level + 1);
                }
                if (!l.isEmpty()) {
                    newline(sb, indent, level);
                }
                sb.append(']');
            }
            default -> string(sb, v.toString());
        }
    }

    private static void newline(StringBuilder sb, int indent, int level) {
        if (indent >= 0) {
            sb.append('\n').append(" ".repeat(indent * level));
        }
    }

    private static void string(StringBuilder sb, String s) {
        io.jswarm.engine.Json.quote(sb, s); // one JSON string escape for docker's answers and jswarm's output
    }
}
