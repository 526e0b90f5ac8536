package io.jswarm.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Docker's {@code filters} query parameter: JSON {@code {"name":{"a":true}}} (or the old
 * {@code {"name":["a"]}}); values of one key are OR'ed, keys AND'ed. Unknown keys are refused as moby does.
 */
record Filters(Map<String, List<String>> byKey) {
    static Filters parse(String json, Set<String> allowed) {
        if (json == null || json.isBlank()) {
            return new Filters(Map.of());
        }
        Object v;
        try {
            v = Json.parse(json);
        } catch (Json.Malformed e) {
            throw new IllegalArgumentException("invalid filter: " + e.getMessage());
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("invalid filter: expected a JSON object");
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (var e : m.entrySet()) {
            String key = (String) e.getKey();
            if (!allowed.contains(key)) {
                throw new IllegalArgumentException("invalid filter '" + key + "'");
            }
            List<String> values = new ArrayList<>();
            switch (e.getValue()) {
                case Map<?, ?> set -> set.forEach((k, b) -> {
                    if (Boolean.TRUE.equals(b)) {
                        values.add((String) k);
                    }
                });
                case List<?> list -> list.forEach(x -> values.add(String.valueOf(x)));
                default -> throw new IllegalArgumentException("invalid filter '" + key + "': expected an object");
            }
            out.put(key, List.copyOf(values));
        }
        return new Filters(Map.copyOf(out));
    }

    /** True when every key given has a value {@code test} accepts. */
    boolean matches(java.util.function.BiPredicate<String, String> test) {
        for (var e : byKey.entrySet()) {
            if (!e.getValue().isEmpty() && e.getValue().stream().noneMatch(v -> test.test(e.getKey(), v))) {
                return false;
            }
        }
        return true;
    }

    /** A label filter value ({@code key} or {@code key=value}) against {@code labels}. */
    static boolean label(String filter, Map<String, String> labels) {
        int eq = filter.indexOf('=');
        if (eq < 0) {
            return labels.containsKey(filter);
        }
        return filter.substring(eq + 1).equals(labels.get(filter.substring(0, eq)));
    }
}
